import { LiveConnection, ServiceApi, type OpenLiveSocket } from '../../../../app/service/http-client';

/** The pages are served by the service itself: its API is this origin. */
export const serviceClient = (token?: string): ServiceApi => new ServiceApi(window.location.origin, token);

/** The browser's WebSocket, as the live connection wants it. */
const openBrowserSocket: OpenLiveSocket = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.onopen = () => handlers.open();
  socket.onmessage = (event: MessageEvent<unknown>) => {
    if (typeof event.data === 'string') handlers.message(event.data);
  };
  socket.onclose = (event) => handlers.close(event.code, event.reason);
  return socket;
};

export const liveConnection = (client: ServiceApi, token: string): LiveConnection => new LiveConnection(client.liveUrl(), token, openBrowserSocket);
