// Builds static/vendor/bootstrap/bootstrap.min.css from scripts/css/bootstrap.scss with Bootstrap's own
// pipeline (Sass, then Autoprefixer for Bootstrap's browser list, then clean-css -O1), so the rules match
// Bootstrap's bootstrap.min.css for the components kept. Run from the repository root:
//
//     npm ci && npm run build:css
//
// Then it checks the templates: a class that Bootstrap's full build defines, that a public template uses,
// and that this build lacks, fails the build (add its component or utility to bootstrap.scss).

import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import autoprefixer from "autoprefixer";
import CleanCSS from "clean-css";
import postcss from "postcss";
import * as sass from "sass";

const ROOT = new URL("../..", import.meta.url).pathname;
const SOURCE = join(ROOT, "scripts/css/bootstrap.scss");
const OUTPUT = join(ROOT, "static/vendor/bootstrap/bootstrap.min.css");
const FULL_BOOTSTRAP = join(ROOT, "node_modules/bootstrap/dist/css/bootstrap.css");

// Bootstrap 5.3's .browserslistrc (not shipped in its npm package).
const BROWSERS = [
  ">= 0.5%",
  "last 2 major versions",
  "not dead",
  "Chrome >= 60",
  "Firefox >= 60",
  "Firefox ESR",
  "iOS >= 12",
  "Safari >= 12",
  "not Explorer <= 11",
  "not kaios <= 2.5",
];

// The coordinators' pages load Django admin's CSS, not this file.
const SKIPPED_TEMPLATE_DIRS = ["templates/admin", "templates/referrals/admin"];
// Classes a template builds from a variable (templates/includes/messages.html, programs/study_list.html).
const DYNAMIC_CLASSES = ["alert-info", "alert-success", "alert-warning", "alert-danger", "text-bg-success", "text-bg-secondary"];

function compile() {
  const { css } = sass.compile(SOURCE, {
    loadPaths: [join(ROOT, "node_modules")],
    style: "expanded",
    quietDeps: true,
    // Bootstrap 5.3 still uses @import and the global colour functions.
    silenceDeprecations: ["import", "global-builtin", "color-functions"],
  });
  return css;
}

async function prefix(css) {
  const result = await postcss([autoprefixer({ cascade: false, overrideBrowserslist: BROWSERS })]).process(css, {
    from: undefined,
  });
  return result.css;
}

function minify(css) {
  const result = new CleanCSS({ level: 1, rebase: false }).minify(css);
  if (result.errors.length) throw new Error(result.errors.join("\n"));
  // Sass puts @charset first when the file holds non-ASCII text; clean-css keeps it.
  return result.styles + "\n";
}

function classesIn(css) {
  const names = new Set();
  for (const [, name] of css.matchAll(/\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)/g)) names.add(name);
  return names;
}

function* files(dir, ending) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (SKIPPED_TEMPLATE_DIRS.includes(relative(ROOT, path))) continue;
    if (statSync(path).isDirectory()) yield* files(path, ending);
    else if (name.endsWith(ending)) yield path;
  }
}

function templateClasses() {
  const used = new Map(DYNAMIC_CLASSES.map((name) => [name, "a variable in a template"]));
  for (const path of files(join(ROOT, "templates"), ".html")) {
    for (const [, value] of readFileSync(path, "utf8").matchAll(/class="([^"]*)"/g)) {
      for (const token of value.split(/\s+/)) {
        if (/^[a-z][a-z0-9-]*$/.test(token)) used.set(token, relative(ROOT, path));
      }
    }
  }
  return used;
}

const built = minify(await prefix(compile()));
writeFileSync(OUTPUT, built);

const bootstrap = classesIn(readFileSync(FULL_BOOTSTRAP, "utf8"));
const ours = classesIn(built);
const missing = [...templateClasses()].filter(([name]) => bootstrap.has(name) && !ours.has(name));
console.log(`${relative(ROOT, OUTPUT)}: ${built.length} bytes`);
if (missing.length) {
  for (const [name, where] of missing) console.error(`missing from the build: .${name} (${where})`);
  process.exit(1);
}
