#!/usr/bin/env node
/*
 * Segment-count parity corpus for a2p_policy.
 *
 * Runs Twilio's published segment calculator (npm "sms-segments-calculator",
 * the package behind https://twiliodeved.github.io/message-segment-calculator/)
 * over a generated, deterministic corpus and writes the expected counts to
 * tests/data/segments_parity.json. The Python test
 * tests/compose/test_compose_parity.py reads that file only (CI needs no node).
 *
 * Regenerate (from the repository root):
 *     cd tools/twilio_parity && npm ci && node generate.js
 *
 * Per entry:
 *   text                       the message
 *   encoding/segments/units    the calculator's answer, with one change: the
 *                              calculator's own grapheme splitter
 *                              (grapheme-splitter 1.0.4, Unicode 10 rules) is
 *                              replaced by Intl.Segmenter (current UAX #29),
 *                              so an emoji sequence newer than 2017 is one
 *                              character too. units: septets (GSM-7) or UTF-16
 *                              code units (UCS-2), from the calculator's bits.
 *   calculator                 present only when the unmodified calculator
 *                              disagrees: its {segments, units} (it then cuts
 *                              inside a newer emoji sequence or conjunct).
 *   smart                      what a2p_policy's smart_encoding must suggest
 *                              (text omitted when unchanged) and the
 *                              calculator's counts for it.
 *   twilio_smart               present only when Twilio's Smart Encoding
 *                              (calculator, smartEncoding=true) gives another
 *                              text; "deviations" then says why (documented in
 *                              docs/composer.md): wide_space, emoji_sequence,
 *                              composed, extra_lookalike.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { SegmentedMessage } = require('sms-segments-calculator');
const textUtils = require('sms-segments-calculator/dist/libs/textUtils');
const smartMapModule = require('sms-segments-calculator/dist/libs/SmartEncodingMap');
const calcPackage = require('sms-segments-calculator/package.json');

const TWILIO_MAP = smartMapModule.default || smartMapModule;
const ROOT = path.resolve(__dirname, '..', '..');
const OURS_FILE = path.join(ROOT, 'src', 'a2p_policy', 'compose', 'gsm7_lookalikes.json');
const OUT_FILE = path.join(ROOT, 'tests', 'data', 'segments_parity.json');

const OURS = {};
for (const row of JSON.parse(fs.readFileSync(OURS_FILE, 'utf8')).table) {
  OURS[String.fromCodePoint(parseInt(row.code.slice(2), 16))] = row.to;
}

// --- deterministic random numbers (mulberry32) ------------------------------
let seed = 0x5eed2026;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(rand() * items.length)];
const randint = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// --- grapheme clusters -------------------------------------------------------
const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' });
function modernGraphemes(message) {
  const out = [];
  for (const { segment } of SEGMENTER.segment(message)) {
    if (segment === '\r\n') out.push('\r', '\n');
    else out.push(segment);
  }
  return out;
}
const originalSplit = textUtils.splitGraphemes;

function calc(text, { modern = true, smart = false } = {}) {
  textUtils.splitGraphemes = modern ? modernGraphemes : originalSplit;
  try {
    const m = new SegmentedMessage(text, 'auto', smart);
    const bits = m.encodingName === 'GSM-7' ? 7 : 16;
    if (m.messageSize % bits !== 0) throw new Error(`odd size for ${JSON.stringify(text)}`);
    for (const segment of m.segments) {
      if (segment.freeSizeInBits() < 0) throw new Error(`overfull segment: ${JSON.stringify(text)}`);
    }
    return {
      encoding: m.encodingName,
      segments: m.segmentsCount,
      units: m.messageSize / bits,
      text: m.graphemes.join(''),
    };
  } finally {
    textUtils.splitGraphemes = originalSplit;
  }
}

// --- a2p_policy's smart encoding, rule by rule (see encoding.py) ------------
const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà' +
    '^{}\\[~]|€\f',
);
const isGsm = (s) => [...s].every((c) => GSM.has(c));
const EMOJI_PART =
  /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u20e3\ufe0e\ufe0f\u{e0020}-\u{e007f}]/u;
const isEmojiSequence = (cluster) => [...cluster].length > 1 && EMOJI_PART.test(cluster);
function emojiCore(cluster) {
  if (!isEmojiSequence(cluster)) return '';
  const chars = [...cluster];
  let last = -1;
  chars.forEach((c, i) => {
    if (EMOJI_PART.test(c)) last = i;
  });
  const core = chars.slice(0, last + 1).join('');
  return isEmojiSequence(core) ? core : '';
}
const twilioChars = (s) => [...s].map((c) => (TWILIO_MAP[c] === undefined ? c : TWILIO_MAP[c])).join('');

function ourSmart(text) {
  const ours = [];
  const twilio = [];
  const deviations = new Set();
  for (const cluster of modernGraphemes(text)) {
    const tw = twilioChars(cluster);
    let mine;
    let why = null;
    const core = emojiCore(cluster);
    if (isGsm(cluster)) {
      mine = cluster;
    } else if (core !== '') {
      // The sequence stays whole; marks after it are read as usual.
      const tail = cluster.slice(core.length);
      mine = core + [...tail].map((c) => (OURS[c] === undefined ? c : OURS[c])).join('');
      why = 'emoji_sequence';
    } else if (cluster.normalize('NFC') !== cluster && isGsm(cluster.normalize('NFC'))) {
      mine = cluster.normalize('NFC');
      why = 'composed';
    } else {
      mine = '';
      for (const c of cluster) {
        if (GSM.has(c) || OURS[c] === undefined) mine += c;
        else {
          mine += OURS[c];
          if (OURS[c] !== TWILIO_MAP[c]) {
            deviations.add(TWILIO_MAP[c] === undefined ? 'extra_lookalike' : 'wide_space');
          }
        }
      }
    }
    if (why !== null && mine !== tw) deviations.add(why);
    ours.push(mine);
    twilio.push(tw);
  }
  return { text: ours.join(''), twilio: twilio.join(''), deviations: [...deviations].sort() };
}

// --- corpus ------------------------------------------------------------------
const GSM_FILLER = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?@£$¥èéùìòÇØøÅåÄÖÑÜäöñüà';
const EXTENSION = ['^', '{', '}', '\\', '[', '~', ']', '|', '€', '\f'];
const UCS_FILLER = 'жщфыдлпгиклмнорстуўабвгдеёз漢字仮名한국어あいうえおабвгд';
const ITEMS = {
  emoji: ['😀', '👍', '🎉', '💬', '🚀', '❤', '☺', '✅', '𠀀', '𝐀'],
  skin_tone: ['👍🏽', '👋🏿', '🙏🏻', '👌🏼', '🤙🏾'],
  zwj: ['👨‍👩‍👧‍👦', '👩‍❤️‍👨', '👨‍💻', '🏳️‍🌈', '🏴‍☠️', '👁️‍🗨️', '👩‍👩‍👦'],
  zwj_new: ['🧑‍🦰', '🐕‍🦺', '❤️‍🔥', '🐻‍❄️', '🧑🏽‍🤝‍🧑🏻', '🫱🏼‍🫲🏾', '🙂‍↔️', '🧑‍🧑‍🧒'],
  flag: ['🇺🇸', '🇨🇦', '🇲🇽', '🇬🇧', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  keycap: ['1️⃣', '#️⃣', '*️⃣', '0️⃣'],
  variation: ['❤️', '☺️', '‼️', '©️', '™️', '✳️', '↔️', '☎︎'],
  combining: ['e\u0301', 'a\u0308', 'n\u0303', 'o\u0302\u0323', 'u\u0308\u0301', 'A\u030a', 'c\u0327', 'i\u0307\u0301\u0300', 'x\u0332\u0305'],
  hangul: ['한', '\u1112\u1161\u11ab', '\u1100\u1161', '국'],
  cjk: ['漢', '字', '。', '、', '𠀀', '𪚥', 'か\u3099', 'ｶﾞ'],
  indic: ['क्षि', 'नमस्ते', 'स्त्री', 'สวัสดี', 'กำ'],
  crlf: ['\r\n'],
  lookalike: ['\u2019', '\u201c', '\u201d', '\u2014', '\u2013', '\u2026', '\u00a0', '\u3000', '\uff21', '\u02bc', '\u00f7', '\u3002', '\u3001', '\u2022', '\u2122', '\t'],
};
const ALL_ITEMS = Object.entries(ITEMS).flatMap(([kind, items]) => items.map((item) => [kind, item]));
const units16 = (s) => s.length;

function gsmFiller(n) {
  let s = '';
  while (s.length < n) s += pick([...GSM_FILLER]);
  return s;
}
function ucsFiller(n) {
  // n UTF-16 units of BMP characters, mostly non-GSM, some GSM.
  let s = '';
  while (s.length < n) s += rand() < 0.6 ? pick([...UCS_FILLER]) : pick([...GSM_FILLER]);
  return s;
}

const entries = [];
const seen = new Set();
function add(kind, text) {
  if (text.length === 0 || seen.has(text)) return;
  seen.add(text);
  entries.push([kind, text]);
}

// 1. GSM-7 around 160 / 153 and multiples, with escape pairs at the boundary.
for (const boundary of [153, 160, 306, 459, 612]) {
  for (let delta = -3; delta <= 3; delta += 1) add('gsm_boundary', gsmFiller(boundary + delta));
  for (const ext of EXTENSION) {
    for (let at = boundary - 3; at <= boundary + 1; at += 1) {
      add('gsm_extension', gsmFiller(at) + ext + gsmFiller(randint(0, 4)));
      add('gsm_extension', gsmFiller(at - 1) + ext + ext + gsmFiller(randint(0, 160)));
    }
  }
}
for (let i = 0; i < 500; i += 1) {
  let s = '';
  const n = randint(1, 480);
  while (s.length < n) s += rand() < 0.12 ? pick(EXTENSION) : pick([...GSM_FILLER]);
  add('gsm_random', s);
}
for (let n = 1; n <= 170; n += 1) add('gsm_length', 'a'.repeat(n));

// 2. UCS-2 around 70 / 67 and multiples, every kind of cluster at the boundary.
for (const boundary of [67, 70, 134, 201]) {
  for (let delta = -2; delta <= 2; delta += 1) add('ucs2_boundary', ucsFiller(boundary + delta));
  for (const [kind, item] of ALL_ITEMS) {
    const len = units16(item);
    for (let at = boundary - len - 1; at <= boundary + 1; at += 1) {
      if (at < 0) continue;
      add(kind, ucsFiller(at) + item + ucsFiller(randint(0, 3)));
      add(kind, gsmFiller(at) + item + gsmFiller(randint(0, 70)));
    }
  }
}
// The example and its relatives: GSM-7 text around one cluster.
for (const [kind, item] of ALL_ITEMS) {
  for (const left of [63, 64, 65, 66, 67]) {
    add(kind, 'a'.repeat(left) + item + 'a'.repeat(64));
    add(kind, 'a'.repeat(left) + item + 'a'.repeat(left));
  }
}

// 3. Look-alikes: every entry of Twilio's table and of ours, alone, in GSM-7
//    text near 160, and next to emoji sequences.
const LOOKALIKES = [...new Set([...Object.keys(TWILIO_MAP), ...Object.keys(OURS)])].sort();
for (const ch of LOOKALIKES) {
  add('lookalike', ch);
  add('lookalike', `Hi ${ch} there`);
  add('lookalike', gsmFiller(randint(150, 158)) + ch + gsmFiller(randint(0, 4)));
  add('lookalike', gsmFiller(randint(60, 70)) + ch + pick(ITEMS.zwj) + ch + gsmFiller(randint(0, 10)));
}
for (const seq of ['‼️', '©️', '™️', '✳️', '*️⃣', '#️⃣', '🏳️‍🌈', '👩‍❤️‍👨', '\u2022\ufe0f']) {
  add('lookalike_emoji', `Offer ${seq} ends soon ` + gsmFiller(randint(40, 150)));
}

// 4. Random mixtures of everything.
const POOL = [
  ...[...GSM_FILLER],
  ...EXTENSION,
  ...ALL_ITEMS.map(([, item]) => item),
  ...LOOKALIKES,
  ...[...UCS_FILLER],
];
for (let i = 0; i < 1200; i += 1) {
  let s = '';
  const n = randint(1, 300);
  const weightGsm = rand();
  while (s.length < n) s += rand() < weightGsm ? pick([...GSM_FILLER]) : pick(POOL);
  add('random', s);
}

// --- evaluate ----------------------------------------------------------------
const out = [];
const counts = {};
let calculatorDiffers = 0;
let smartDeviates = 0;
for (const [kind, text] of entries) {
  const modern = calc(text);
  const original = calc(text, { modern: false });
  if (modern.text !== text) throw new Error('grapheme round trip failed');
  const mine = ourSmart(text);
  const twilio = calc(text, { modern: false, smart: true });
  if (twilio.text !== mine.twilio) {
    throw new Error(`Smart Encoding re-implementation differs for ${JSON.stringify(text)}`);
  }
  const smartCounts = calc(mine.text);
  // Nothing left to send: a2p_policy counts 0 segments (the calculator shows 1).
  if (mine.text === '') smartCounts.segments = 0;
  const entry = {
    kind,
    text,
    encoding: modern.encoding,
    segments: modern.segments,
    units: modern.units,
  };
  if (original.segments !== modern.segments || original.units !== modern.units) {
    entry.calculator = { segments: original.segments, units: original.units };
    calculatorDiffers += 1;
  }
  entry.smart = {
    ...(mine.text === text ? {} : { text: mine.text }),
    encoding: smartCounts.encoding,
    segments: smartCounts.segments,
    units: smartCounts.units,
  };
  if (mine.text !== twilio.text) {
    if (mine.deviations.length === 0) {
      throw new Error(`undocumented Smart Encoding difference for ${JSON.stringify(text)}`);
    }
    const tw = calc(twilio.text);
    entry.twilio_smart = { text: twilio.text, encoding: tw.encoding, segments: tw.segments, units: tw.units };
    entry.deviations = mine.deviations;
    smartDeviates += 1;
  }
  counts[kind] = (counts[kind] || 0) + 1;
  out.push(entry);
}

const doc = {
  about:
    'Expected SMS segment counts from Twilio\'s published segment calculator; generated by ' +
    'tools/twilio_parity/generate.js, do not edit by hand (see docs/composer.md).',
  calculator: `${calcPackage.name} ${calcPackage.version}`,
  segmenter: `Intl.Segmenter (ICU ${process.versions.icu}, Unicode ${process.versions.unicode})`,
  entries: out,
};
fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
fs.writeFileSync(OUT_FILE, `${JSON.stringify(doc, null, 0).replace(/\},\{"kind"/g, '},\n{"kind"')}\n`);
console.log(
  `${out.length} entries written to ${path.relative(ROOT, OUT_FILE)} ` +
    `(${calculatorDiffers} where the unmodified calculator cuts a newer cluster, ` +
    `${smartDeviates} with a documented Smart Encoding difference)`,
);
console.log(counts);
