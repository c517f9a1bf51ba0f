import { describe, expect, test } from 'bun:test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestService, tempDir } from '../helpers.ts';
import { fixtureFactory } from './fixture-service.ts';

describe('tls', () => {
  test('a service serves HTTPS when given a certificate and key', async () => {
    const dir = tempDir();
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const svc = await startTestService('mall', fixtureFactory({ stored: [], closed: false, lastTraceId: null }), {
      configure: (cfg) => {
        cfg.services.mall.tls = { certFile, keyFile };
      },
    });
    try {
      expect(svc.url).toStartWith('https://');
      const res = await fetch(`${svc.url}/items`, { tls: { rejectUnauthorized: false } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ items: [] });
    } finally {
      await svc.stop();
    }
  });
});
