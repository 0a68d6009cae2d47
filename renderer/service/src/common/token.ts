/**
 * The service token is kept in this browser (localStorage of the service's
 * origin) until the user signs out: a student signs in once per browser.
 * It is only ever sent as a Bearer header and in the live socket's first
 * message, never in a URL.
 */
const TOKEN_KEY = 'kshram-lab:service-token';

export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: sign in for this page only
  }
}

export function storeToken(token: string): void {
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

export function forgetToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}
