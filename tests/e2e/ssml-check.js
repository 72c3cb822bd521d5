#!/usr/bin/env node
// Checks many SSML strings in one process, for tests written in other languages.
//
//   echo '["<speak>hi</speak>", "<speak>a & b</speak>"]' | node ssml-check.js [--locale en-US]
//   -> [{"index":1,"errors":[{"type":"Invalid & character"}]}]
//
// Prints a JSON array with one {index, errors} entry per invalid string ([] when all are
// valid) and exits 0 either way; exits 2 when the input is not a JSON array of strings.
'use strict';

const ssmlCheck = require('ssml-check-core');

const USAGE = 'usage: node ssml-check.js [--locale LOCALE] < strings.json  (a JSON array of SSML strings)';

function fail(message) {
  process.stderr.write(`ssml-check: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { platform: 'amazon', locale: 'en-US' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--locale' && i + 1 < argv.length) {
      options.locale = argv[++i];
    } else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      fail(`unknown argument ${JSON.stringify(argv[i])}`);
    }
  }
  return options;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function checkAll(strings, options) {
  const invalid = [];
  for (const [index, ssml] of strings.entries()) {
    const errors = await ssmlCheck.check(ssml, options);
    if (errors !== undefined) invalid.push({ index, errors });
  }
  return invalid;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let strings;
  try {
    strings = JSON.parse(await readStdin());
  } catch (err) {
    fail(`stdin is not JSON: ${err.message}`);
  }
  if (!Array.isArray(strings)) fail('stdin must be a JSON array');
  const notString = strings.findIndex((s) => typeof s !== 'string');
  if (notString !== -1) fail(`item ${notString} is not a string`);
  process.stdout.write(`${JSON.stringify(await checkAll(strings, options))}\n`);
}

main().catch((err) => {
  process.stderr.write(`ssml-check: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
