/**
 * Real nats-server processes for tests: a free port, a temp JetStream store, stopped
 * after. `natsServerPath()` is null when no nats-server is installed; the suites then
 * register a skipped test that says so (never a silent pass).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Subprocess } from 'bun';

let cachedPath: string | null | undefined;

export function natsServerPath(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  // NATS_SERVER_BIN, when set, is the only candidate (set it to a missing path to see the suites skip).
  const pinned = process.env.NATS_SERVER_BIN;
  const candidates = pinned ? [pinned] : [Bun.which('nats-server'), '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
  cachedPath = candidates.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p)) ?? null;
  return cachedPath;
}

export const NATS_SKIP_MESSAGE = 'nats-server not found (apt-get install nats-server, or set NATS_SERVER_BIN): the NATS backend tests are SKIPPED';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** SIGKILL (no shutdown of its own); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterPeer {
  name: string;
  clusterPort: number;
  routes: number[];
}

/** Waits until the server answers JetStream requests (a cluster also needs its meta leader). */
async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: url, timeout: 1000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      await Bun.sleep(50);
    }
  }
  throw new Error(`nats-server at ${url} not ready in ${timeoutMs} ms: ${last}`);
}

function config(port: number, storeDir: string, peer?: ClusterPeer, maxPayload = '16MB'): string {
  const lines = [
    `listen: 127.0.0.1:${port}`,
    // The bus's max_message_size (10 MB) plus headers must fit in one message.
    `max_payload: ${maxPayload}`,
    `server_name: ${peer?.name ?? `t${port}`}`,
    `jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
  ];
  if (peer) lines.push(`cluster { name: hotloop-test, listen: 127.0.0.1:${peer.clusterPort}, routes: [${peer.routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}] }`);
  return lines.join('\n') + '\n';
}

async function launch(port: number, storeDir: string, peer?: ClusterPeer, maxPayload?: string): Promise<NatsServer> {
  const readyMs = 10_000;
  const bin = natsServerPath();
  if (!bin) throw new Error(NATS_SKIP_MESSAGE);
  const confPath = join(storeDir, 'server.conf');
  writeFileSync(confPath, config(port, storeDir, peer, maxPayload));
  let proc: Subprocess | null = null;
  const url = `nats://127.0.0.1:${port}`;
  const start = async (wait: boolean): Promise<void> => {
    proc = Bun.spawn([bin, '-c', confPath], { stdout: 'ignore', stderr: process.env.NATS_TEST_LOG ? 'inherit' : 'ignore' });
    if (wait) await waitReady(url, readyMs);
  };
  const kill = async (): Promise<void> => {
    const p = proc as Subprocess | null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGKILL');
    await p.exited;
  };
  await start(peer === undefined);
  return {
    url, port, storeDir, kill,
    restart: () => start(peer === undefined),
    async stop() {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** One JetStream server on a free port with a temp store dir (`maxPayload` as in the server config, default 16MB). */
export async function startNats(maxPayload?: string): Promise<NatsServer> {
  return launch(await freePort(), mkdtempSync(join(tmpdir(), 'hotloop-nats-')), undefined, maxPayload);
}

/** Three clustered JetStream servers on this machine; ready once JetStream answers through the first. */
export async function startNatsCluster(): Promise<{ servers: NatsServer[]; urls: string; stop(): Promise<void> }> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const cports = [await freePort(), await freePort(), await freePort()];
  const servers: NatsServer[] = [];
  for (let i = 0; i < 3; i++) {
    servers.push(await launch(ports[i]!, mkdtempSync(join(tmpdir(), `hotloop-nats${i}-`)), { name: `n${i}`, clusterPort: cports[i]!, routes: cports.filter((_, j) => j !== i) }));
  }
  await Promise.all(servers.map((s) => waitReady(s.url, 20_000)));
  return { servers, urls: servers.map((s) => s.url).join(','), stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) };
}
