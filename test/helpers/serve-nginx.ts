// Debian's nginx (scripts/install-nginx.sh) as a load balancer in front of `offload serve`
// replicas on loopback, for the scale-out test and the serve benchmark. The proxy settings are
// those of docs/deploy/nginx.conf; only the ports and the temp paths differ.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const NGINX = '/usr/sbin/nginx';

/** A free loopback port (the kernel picks it; it stays free until someone binds it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

export function nginxConfig(dir: string, listenPort: number, replicaPorts: number[]): string {
  return `
worker_processes 1;
error_log ${path.join(dir, 'error.log')} warn;
pid ${path.join(dir, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${path.join(dir, 'body')};
  proxy_temp_path ${path.join(dir, 'proxy')};
  fastcgi_temp_path ${path.join(dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(dir, 'uwsgi')};
  scgi_temp_path ${path.join(dir, 'scgi')};
  upstream offload {
${replicaPorts.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${listenPort};
    client_max_body_size 8m;
    location / {
      proxy_pass http://offload;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      # A replica that is stopping refuses connections, closes idle keep-alive ones, or
      # answers 503 (ERR_OFFLOAD_SHUTTING_DOWN): each of those is retried on the other one.
      # Function calls are POSTs, so non_idempotent is needed for the retry; offload's
      # functions are pure computations, which makes a retry safe.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
    }
  }
}
`;
}

export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(dir: string, replicaPorts: number[]): Promise<RunningNginx> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'nginx.conf');
  await writeFile(config, nginxConfig(dir, port, replicaPorts));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', config, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  // nginx says nothing when it starts well: wait until its port accepts connections.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
    },
  };
}
