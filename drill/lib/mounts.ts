/**
 * Filesystems for the disk drills: a small tmpfs that fills up, and an ext4 image on a
 * loop device mounted `errors=remount-ro`, which the kernel turns read-only under the
 * running server (a filesystem error, triggered through sysfs). Both need root; when a
 * step is not permitted the drill is skipped with the reason, never passed silently.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export class NotPermitted extends Error {}

function run(cmd: string[]): string {
  const p = Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' });
  if (p.exitCode !== 0) throw new NotPermitted(`\`${cmd.join(' ')}\` failed (exit ${p.exitCode}): ${p.stderr.toString().trim() || p.stdout.toString().trim()}`);
  return p.stdout.toString().trim();
}

export interface Mount {
  dir: string;
  /** The data dir inside the mount. */
  data: string;
  /** Loop device of an ext4 mount (`/dev/loopN`). */
  device?: string;
  image?: string;
  cleanup(): void;
}

export function mountTmpfs(sizeMb: number): Mount {
  const dir = mkdtempSync(join(tmpdir(), 'hotloop-drill-tmpfs-'));
  try {
    run(['mount', '-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const data = join(dir, 'data');
  mkdirSync(data);
  return {
    dir, data,
    cleanup() {
      Bun.spawnSync(['umount', '-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function mountExt4(sizeMb: number): Mount {
  const dir = mkdtempSync(join(tmpdir(), 'hotloop-drill-ext4-'));
  const image = `${dir}.img`;
  let device: string | undefined;
  const cleanup = (): void => {
    Bun.spawnSync(['umount', '-l', dir]);
    if (device) Bun.spawnSync(['losetup', '-d', device]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(image, { force: true });
  };
  try {
    run(['truncate', '-s', `${sizeMb}M`, image]);
    run(['mkfs.ext4', '-q', '-F', image]);
    device = run(['losetup', '--find', '--show', image]);
    run(['mount', '-o', 'errors=remount-ro', device, dir]);
  } catch (e) {
    cleanup();
    throw e;
  }
  const data = join(dir, 'data');
  mkdirSync(data);
  return { dir, data, device, image, cleanup };
}

/** A filesystem error on the ext4 mount: with errors=remount-ro the kernel makes it read-only at once, open files included. */
export function triggerReadOnly(m: Mount): void {
  if (!m.device) throw new NotPermitted('not an ext4 mount');
  const sysfs = `/sys/fs/ext4/${basename(m.device)}/trigger_fs_error`;
  try {
    run(['sh', '-c', `echo drill > ${sysfs}`]);
  } catch (e) {
    throw new NotPermitted(`cannot trigger a filesystem error through ${sysfs}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function isReadOnly(m: Mount): boolean {
  const line = run(['sh', '-c', `grep " ${m.dir} " /proc/mounts || true`]);
  return /\bro\b|emergency_ro/.test(line);
}

/** After the server stopped: unmount, repair, mount read-write again (the kernel's emergency read-only state ends only with an unmount). */
export function repairExt4(m: Mount): void {
  if (!m.device || !m.image) throw new NotPermitted('not an ext4 mount');
  run(['umount', m.dir]);
  Bun.spawnSync(['e2fsck', '-fy', m.device]);
  run(['mount', '-o', 'errors=remount-ro', m.device, m.dir]);
}

/** Fills the filesystem with a file until writes fail; returns its path (delete it to free the space). */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 20, 1 << 16, 4096, 512]) {
      const chunk = new Uint8Array(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC at this chunk size: go on with smaller ones, down to the last block.
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
