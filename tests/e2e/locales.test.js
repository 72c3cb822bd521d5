// Every market end to end: virtual-alexa with the market's own interaction model and locale sends
// what its users say to the real server; launch, a cramp, a guided stretch and a red flag in that
// market's words, every SSML valid for that locale, the market's own emergency number in the red
// flag, and the market's held-out phrases (tests/phrases, written before the grammar) matched.
'use strict';

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1'; // before virtual-alexa loads aws-sdk

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ssmlCheck = require('ssml-check-core');
const { VirtualAlexa } = require('virtual-alexa');

const { ROOT, startServer, stopServer } = require('./server');

const MODELS = path.join(ROOT, 'skill', 'package', 'interactionModels', 'custom');
// Written by tests/test_e2e.py: { locale: { emergency_number, phrases: [{ text, intent, slots }] } }.
const MARKETS = JSON.parse(fs.readFileSync(process.env.LOCALES_JSON, 'utf8'));
// Regression floors per market, not targets (the closing notes give each rate). virtual-alexa only
// matches the model's samples word for word, a few thousand of the grammar's sentences an intent.
const HELD_OUT_FLOOR = {
  'en-US': 0.50, 'en-GB': 0.18, 'en-AU': 0.16, 'en-CA': 0.22, 'en-IN': 0.22, 'es-US': 0.38, 'es-MX': 0.30,
};
const LAUNCH_WORDS = /\b(ask|open|launch|talk to|tell)\b/i; // virtual-alexa sends these as a LaunchRequest

let server;
let skillURL;

function languageModel(locale) {
  return JSON.parse(fs.readFileSync(path.join(MODELS, `${locale}.json`), 'utf8')).interactionModel.languageModel;
}

function newAlexa(locale) {
  const alexa = VirtualAlexa.Builder()
    .interactionModelFile(path.join(MODELS, `${locale}.json`))
    .skillURL(skillURL)
    .locale(locale)
    .create();
  // eslint-disable-next-line no-underscore-dangle -- virtual-alexa has no setter for it
  alexa.context()._apiEndpoint = 'http://127.0.0.1:9'; // never Amazon's real API from a test (refused at once)
  return alexa;
}

// A sample of ``intent`` with ``slot`` filled with the spoken value of ``id``: a sample with words
// around the slot, so that it cannot be mistaken for another intent's bare "{slot}".
function utterance(model, intent, slot, id) {
  const found = model.intents.find((i) => i.name === intent);
  const type = found.slots.find((s) => s.name === slot).type;
  const value = model.types.find((t) => t.name === type).values.find((v) => v.id === id).name.value;
  const sample = found.samples.find((s) => s.includes(`{${slot}}`) && s.split(' ').length >= 3
    && !LAUNCH_WORDS.test(s) && (s.match(/\{/g) || []).length === 1);
  assert.ok(sample, `${intent}: no sample with {${slot}} and words around it`);
  return sample.replace(`{${slot}}`, value);
}

async function heard(locale, reply, what) {
  const response = reply.response || {};
  for (const said of [response.outputSpeech, response.reprompt && response.reprompt.outputSpeech]) {
    if (!said) continue;
    const errors = await ssmlCheck.check(said.ssml, { platform: 'amazon', locale });
    assert.equal(errors, undefined, `${locale} ${what}: invalid SSML ${JSON.stringify(errors)} in ${said.ssml}`);
  }
  const last = (reply.sessionAttributes || {}).last || {};
  return { keys: last.keys || [], ssml: (response.outputSpeech || {}).ssml || '', ended: response.shouldEndSession };
}

describe('every market through virtual-alexa against the real server', () => {
  before(async () => {
    const store = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cramp-coach-locales-')), 'memory.sqlite3');
    server = await startServer({ CRAMP_COACH_LOG_LEVEL: 'WARNING', CRAMP_COACH_STORE: `sqlite:///${store}` });
    skillURL = `${server.base}/alexa`;
  });

  after(async () => {
    if (server) await stopServer(server.child);
    const serverLog = server ? server.log() : '';
    if (/Traceback|\bERROR\b/.test(serverLog)) console.log(`server log:\n${serverLog}`);
  });

  for (const [locale, market] of Object.entries(MARKETS)) {
    it(`${locale}: launch, a cramp, a guided stretch and a red flag, in its own words`, async () => {
      const model = languageModel(locale);
      const alexa = newAlexa(locale);
      const launch = await heard(locale, await alexa.launch(), 'launch');
      assert.deepEqual(launch.keys.slice(0, 1), ['relief.calf'], `${locale} launch said ${launch.keys}`);

      const cramp = utterance(model, 'CrampNowIntent', 'muscle', 'foot');
      const relief = await heard(locale, await alexa.utter(cramp), cramp);
      assert.equal(relief.keys[0], 'relief.foot', `${locale} "${cramp}" said ${relief.keys}`);

      const stretch = utterance(model, 'GuidedStretchIntent', 'muscle', 'calf');
      const first = await heard(locale, await alexa.utter(stretch), stretch);
      assert.ok(first.keys.includes('routine.calf.1'), `${locale} "${stretch}" said ${first.keys}`);
      const next = await heard(locale, await alexa.intend('AMAZON.NextIntent'), 'next');
      assert.ok(next.keys.includes('routine.calf.2'), `${locale} next said ${next.keys}`);

      const flag = utterance(model, 'SymptomCheckIntent', 'symptom', 'chest_pain');
      const urgent = await heard(locale, await alexa.utter(flag), flag);
      assert.equal(urgent.keys[0], 'triage.chest_pain', `${locale} "${flag}" mid-stretch said ${urgent.keys}`);
      assert.ok(urgent.ssml.includes(market.emergency_number), `${locale}: ${urgent.ssml} lacks ${market.emergency_number}`);
      assert.ok(!/<amazon:effect|<prosody/.test(urgent.ssml), `${locale}: a red flag said quietly`);
    });

    it(`${locale}: the held-out phrases are understood as their personas meant them`, async () => {
      let matched = 0;
      let sayable = 0;
      const missed = [];
      const alexa = newAlexa(locale); // one model read per market: only the intent it sends is looked at
      let sent = null;
      alexa.filter((request) => { sent = request.request.intent || null; });
      for (const phrase of market.phrases) {
        if (LAUNCH_WORDS.test(phrase.text)) continue; // left to the local recogniser's measure
        sayable += 1;
        sent = null;
        try {
          await alexa.utter(phrase.text);
        } catch (error) {
          if (!/Unable to match/.test(String(error))) throw error;
        }
        const ids = Object.fromEntries(Object.entries((sent && sent.slots) || {}).flatMap(([name, slot]) => {
          const authority = ((slot.resolutions || {}).resolutionsPerAuthority || [])[0];
          const id = authority && authority.values && authority.values[0] && authority.values[0].value.id;
          // Custom slots resolve to content ids; Alexa's built-in ones (a time) have no resolutions and are not compared.
          return slot.value && slot.resolutions ? [[name, id || '?']] : [];
        }));
        const good = phrase.intent === 'AMAZON.FallbackIntent' ? sent === null
          : sent !== null && sent.name === phrase.intent && JSON.stringify(ids) === JSON.stringify(phrase.slots || {});
        if (good) matched += 1; else missed.push(`${phrase.text} -> ${sent ? sent.name : 'no match'} ${JSON.stringify(ids)}`);
      }
      const rate = matched / sayable;
      console.log(`held-out ${locale}: ${matched}/${sayable} matched through virtual-alexa (${(100 * rate).toFixed(1)}%), `
        + `${market.phrases.length - sayable} with launch words left to the local recogniser`);
      if (missed.length && process.env.SHOW_MISSED) console.log(`missed:\n  ${missed.join('\n  ')}`);
      assert.ok(rate >= HELD_OUT_FLOOR[locale], `${locale}: only ${(100 * rate).toFixed(1)}% of the held-out phrases matched`);
    });
  }
});
