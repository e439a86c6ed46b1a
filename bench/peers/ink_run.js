#!/usr/bin/env node
// The ink peer of the bench: compiles an ink story with inkjs, reads its structure back
// from the compiled JSON, and plays random playthroughs of it the way `petrograd autoplay`
// plays ours (uniform among the choices ink offers, a seeded generator, a step cap).
//
//   node ink_run.js STORY.ink --starts B_a,B_b --runs N --seed S --max-steps M
//                   [--repeats R] [--warmup W] [--replay PATHS.json] [--no-structure]
//
// Run i begins at the start knot i % (number of starts), as autoplay's run i begins at the
// story's i-th start. Prints one line of JSON: the structure (knot -> title, ending tag,
// choices with their text, target and whether they have a condition), the ending counts
// and failures of the first timed batch, the choices made, whether every batch played the
// same (the same seed: it should), and the seconds of each timed batch spent in the play
// loop only (resetting, continuing, choosing; not compiling).
// With --replay, it also plays the given paths and says where ink offers other choices
// than the file expects. Exit status 2, with {"error": ...}, when the story does not compile.
"use strict";

const fs = require("fs");
const path = require("path");

const ENDING_TAG = "ending:";

function fail(message) {
  process.stdout.write(JSON.stringify({ error: message }) + "\n");
  process.exit(2);
}

function parseArgs(argv) {
  const options = {
    ink: null, starts: null, runs: 1000, seed: 1, maxSteps: 1000, repeats: 1, warmup: 0,
    replay: null, structure: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      return argv[++i];
    };
    const whole = (text) => {
      if (!/^[0-9]+$/.test(text)) fail(`${arg} takes a whole number, not '${text}'`);
      return Number(text);
    };
    if (arg === "--starts") options.starts = next().split(",").filter(Boolean);
    else if (arg === "--runs") options.runs = whole(next());
    else if (arg === "--seed") options.seed = whole(next());
    else if (arg === "--max-steps") options.maxSteps = whole(next());
    else if (arg === "--repeats") options.repeats = Math.max(1, whole(next()));
    else if (arg === "--warmup") options.warmup = whole(next());
    else if (arg === "--replay") options.replay = next();
    else if (arg === "--no-structure") options.structure = false;
    else if (arg.startsWith("--")) fail(`unknown option ${arg}`);
    else options.ink = arg;
  }
  if (!options.ink) fail("give the ink file to run");
  return options;
}

// ---------------------------------------------------------------- structure

// A compiled container is an array whose last element is null or an object of named
// sub-containers (and '#'-prefixed flags). Visit its content in order, then its named parts.
function walk(container, visit) {
  if (!Array.isArray(container)) return;
  const last = container.length ? container[container.length - 1] : null;
  const named = last && typeof last === "object" && !Array.isArray(last) ? last : {};
  const end = last === null || named === last ? container.length - 1 : container.length;
  for (let i = 0; i < end; i++) {
    const item = container[i];
    if (Array.isArray(item)) walk(item, visit);
    else visit(item, named);
  }
  for (const [key, value] of Object.entries(named)) {
    if (!key.startsWith("#")) walk(value, visit);
  }
}

function firstDivert(container) {
  let found = null;
  walk(container, (item) => {
    if (found === null && item && typeof item === "object" && typeof item["->"] === "string"
        && !item["->"].startsWith(".") && !item.c) {
      found = item["->"];
    }
  });
  return found;
}

function knotStructure(knot) {
  let title = null, ending = null, inString = false, inTag = false;
  const choices = [];
  let label = null;
  walk(knot, (item, named) => {
    if (item === "str") { inString = true; label = ""; return; }
    if (item === "/str") { inString = false; return; }
    if (item === "#") { inTag = true; return; }
    if (item === "/#") { inTag = false; return; }
    if (item === "end") { ending = ending === null ? "" : ending; return; }
    if (typeof item === "string" && item.startsWith("^")) {
      const text = item.slice(1);
      if (inString) label += text;
      else if (inTag) {
        if (text.startsWith(ENDING_TAG)) ending = text.slice(ENDING_TAG.length).trim();
      } else if (title === null && text.trim()) title = text.trim();
      return;
    }
    if (item && typeof item === "object" && typeof item["*"] === "string") {
      const name = item["*"].split(".").pop();
      const flags = item.flg || 0;
      choices.push({
        text: label,
        target: firstDivert(named[name]),
        conditional: Boolean(flags & 1),
        sticky: !(flags & 16),
      });
      label = null;
    }
  });
  return { title, ending, choices };
}

function structure(compiled) {
  const root = compiled.root;
  const named = root[root.length - 1] || {};
  const knots = {};
  for (const [name, knot] of Object.entries(named)) {
    if (name.startsWith("#") || name === "global decl") continue;
    knots[name] = knotStructure(knot);
  }
  return knots;
}

// ---------------------------------------------------------------- play

// mulberry32: a small seeded generator, uniform in [0, 1).
function generator(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function endingOf(story) {
  for (const tag of story.currentTags || []) {
    if (tag.startsWith(ENDING_TAG)) return tag.slice(ENDING_TAG.length).trim();
  }
  return null;
}

// Continue to the next choice point; "stuck" when ink runs out of content with no choice.
function advance(story) {
  try {
    story.ContinueMaximally();
  } catch (error) {
    return /ran out of content/.test(String(error && error.message)) ? "stuck" : "error";
  }
  return null;
}

function play(story, starts, runs, seed, maxSteps) {
  const random = generator(seed);
  const endings = {};
  const failures = { stuck: 0, loop: 0, error: 0 };
  let choices = 0;
  const started = process.hrtime.bigint();
  for (let run = 0; run < runs; run++) {
    story.ResetState();
    story.ChoosePathString(starts[run % starts.length]);
    let steps = 0;
    for (;;) {
      const trouble = advance(story);
      if (trouble !== null) { failures[trouble]++; break; }
      const offered = story.currentChoices;
      if (offered.length === 0) {
        const ending = endingOf(story);
        if (ending === null) failures.stuck++;
        else endings[ending] = (endings[ending] || 0) + 1;
        break;
      }
      story.ChooseChoiceIndex(offered.length === 1 ? 0 : Math.floor(random() * offered.length));
      choices++;
      steps++;
      if (steps >= maxSteps) { failures.loop++; break; }
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { endings, failures, choices, seconds };
}

// Play given paths; report where ink offers other choices, or ends otherwise, than expected.
function replay(story, paths) {
  const mismatches = [];
  let steps = 0;
  const note = (run, step, what) => { if (mismatches.length < 20) mismatches.push({ run, step, what }); };
  paths.runs.forEach((expected, run) => {
    story.ResetState();
    story.ChoosePathString(expected.start);
    for (let step = 0; step <= expected.steps.length; step++) {
      const trouble = advance(story);
      const offered = trouble === null ? story.currentChoices.map((c) => c.text) : [];
      if (step === expected.steps.length) {
        if (expected.end.loop) return;
        const ending = trouble === null && offered.length === 0 ? endingOf(story) : null;
        const want = expected.end.ending || null;
        if (ending !== want || (want === null && trouble !== "stuck" && offered.length)) {
          note(run, step, `ends at ${ending || trouble || offered.join("|")}, expected ${want || "stuck"}`);
        }
        return;
      }
      const { open, take } = expected.steps[step];
      if (offered.join("|") !== open.join("|")) {
        note(run, step, `offers [${offered.join(", ")}], expected [${open.join(", ")}]`);
        return;
      }
      story.ChooseChoiceIndex(offered.indexOf(take));
      steps++;
    }
  });
  return { runs: paths.runs.length, steps, mismatches };
}

// ---------------------------------------------------------------- main

function main() {
  const options = parseArgs(process.argv.slice(2));
  let ink;
  try {
    ink = require("inkjs/full");
  } catch (error) {
    fail(`inkjs is not installed in ${__dirname} (run npm ci there): ${error.message}`);
  }
  let version = "unknown";
  try {
    const manifest = path.join(path.dirname(require.resolve("inkjs/full")), "..", "package.json");
    version = JSON.parse(fs.readFileSync(manifest, "utf8")).version;
  } catch (error) {
    // the version is only reported
  }
  const source = fs.readFileSync(options.ink, "utf8");
  const compileStarted = process.hrtime.bigint();
  const compiler = new ink.Compiler(source);
  let story;
  try {
    story = compiler.Compile();
  } catch (error) {
    fail(`inkjs could not compile ${path.basename(options.ink)}: ${
      (compiler.errors || []).slice(0, 5).join("; ") || error.message}`);
  }
  const compileSeconds = Number(process.hrtime.bigint() - compileStarted) / 1e9;
  const compiled = JSON.parse(story.ToJson());
  const knots = structure(compiled);
  const starts = options.starts || Object.keys(knots).filter((name) => name.startsWith("B_"));
  if (!starts.length) fail("the story has no start knot (give --starts)");
  for (const start of starts) if (!(start in knots)) fail(`the story has no start knot '${start}'`);
  const out = {
    inkjs: version,
    node: process.version,
    warnings: compiler.warnings.length,
    compile_seconds: compileSeconds,
    starts,
    runs: options.runs,
    seed: options.seed,
    max_steps: options.maxSteps,
  };
  const scenes = Object.entries(knots).filter(([name]) => name.startsWith("S_"));
  out.found = {
    scenes: scenes.length,
    choices: scenes.reduce((sum, [, knot]) => sum + knot.choices.length, 0),
    endings: scenes.filter(([, knot]) => knot.ending !== null).length,
  };
  if (options.structure) out.structure = knots;
  if (options.replay) {
    out.replay = replay(story, JSON.parse(fs.readFileSync(options.replay, "utf8")));
  }
  if (options.warmup) play(story, starts, options.warmup, options.seed + 1000003, options.maxSteps);
  const seconds = [];
  let first = null;
  out.repeats_agree = true;  // the same seed plays the same playthroughs, batch after batch
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const batch = play(story, starts, options.runs, options.seed, options.maxSteps);
    seconds.push(batch.seconds);
    const seen = JSON.stringify([batch.endings, batch.failures, batch.choices]);
    if (first === null) {
      first = seen;
      Object.assign(out, { endings: batch.endings, failures: batch.failures, choices: batch.choices });
    } else if (seen !== first) {
      out.repeats_agree = false;
    }
  }
  out.seconds = seconds;
  out.per_choice = seconds.map((s) => (out.choices ? s / out.choices : null));
  process.stdout.write(JSON.stringify(out) + "\n");
}

main();
