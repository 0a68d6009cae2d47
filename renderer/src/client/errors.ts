import type { ApiError, LabCallError } from '../../../app/api';

class CallError extends Error implements LabCallError {
  constructor(readonly data: ApiError) {
    super(data.message);
    this.name = 'LabCallError';
  }
}

export function callError(data: ApiError): LabCallError {
  return new CallError(data);
}

/** Any rejection as the API's error data, for banners and toasts. */
export function errorData(err: unknown): ApiError {
  if (err instanceof CallError) return err.data;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
