/** sock_*: no descriptor here is ever a socket, so a real one is NOTSOCK, a missing one BADF. */
import { Errno } from './constants.js';
import type { WasiContext } from './context.js';
import type { HostCalls } from './syscall.js';

export function socketCalls({ fds }: WasiContext): HostCalls {
  const notSocket = (fd: number) => (fds.entry(fd), Errno.NOTSOCK);
  return { sock_accept: notSocket, sock_recv: notSocket, sock_send: notSocket, sock_shutdown: notSocket };
}
