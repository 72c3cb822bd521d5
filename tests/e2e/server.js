// Starts and stops the real `cramp-coach serve` for the end-to-end tests.
'use strict';

const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { setTimeout: delay } = require('node:timers/promises');

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

// Unreferenced: a timer that lost a race must not keep node running after the tests.
function sleep(ms) {
  return delay(ms, null, { ref: false });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function stopGroup(child, signal) {
  if (!child.pid) return; // never started
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err; // already gone
  }
}

// `settings`: CRAMP_COACH_* variables; a developer's own CRAMP_COACH_* settings never leak in.
// Returns { child, base (http://127.0.0.1:PORT), log() }.
async function startServer(settings, args = []) {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CRAMP_COACH_')));
  // detached: the server leads its own process group, so stopping the group also stops the
  // gunicorn workers it forks.
  const child = spawn('cramp-coach', ['serve', '--host', '127.0.0.1', '--port', String(port), '--no-verify', ...args], {
    cwd: ROOT, env: { ...env, ...settings }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  process.on('exit', () => { if (!child.stopped) stopGroup(child, 'SIGKILL'); }); // never leave one behind
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.spawnError = new Promise((resolve) => child.on('error', resolve));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const gone = await Promise.race([child.exited, child.spawnError, sleep(100)]);
    if (gone) {
      throw new Error(`cramp-coach serve did not start (${JSON.stringify(gone.message || gone)}); `
        + `is the project installed (pip install -e '.[test]') and on PATH?\n${log}`);
    }
    try {
      const health = await fetch(`${base}/healthz`);
      if (health.status === 200) return { child, base, log: () => log };
    } catch {
      // not listening yet
    }
  }
  stopGroup(child, 'SIGKILL');
  throw new Error(`cramp-coach serve was not healthy within ${START_TIMEOUT_MS} ms\n${log}`);
}

async function stopServer(child) {
  stopGroup(child, 'SIGTERM');
  const stopped = await Promise.race([child.exited, sleep(STOP_TIMEOUT_MS)]);
  if (!stopped) {
    stopGroup(child, 'SIGKILL');
    await child.exited;
  }
  child.stopped = true;
}

module.exports = { ROOT, sleep, startServer, stopServer };
