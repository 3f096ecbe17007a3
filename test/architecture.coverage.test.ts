/**
 * One door to the engine (issue 11): "what does this person's policy pay for this record now" is answered
 * in src/services/claims/coverage.ts and nowhere else. Checked on the source, so a second way to the engine
 * fails here before it drifts:
 *  - only coverage.ts calls the engine's `adjudicate` (or imports it as a value). The engine itself is
 *    exempt: engine/adjudicate.ts defines it, and engine/batch.ts is the engine's own in-memory batch behind
 *    `hmb adjudicate` and the benchmarks — records in a file, every person under one plan for the coverage
 *    period, no database, no policy to look up, so there is no coverage rule for it to copy. The CLI reaches
 *    the engine only through that batch;
 *  - the policy-in-force rule (`status in ('pending_effective', 'active', 'cancelled')`) and the history read
 *    for pre-existing rules are written in SQL once, in coverage.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const COVERAGE = "src/services/claims/coverage.ts";

/** The one place outside coverage.ts allowed to call adjudicate: the engine itself (see above). */
const ENGINE = "src/engine/";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

const FILES = sourceFiles(SRC).map((path) => ({
  name: relative(ROOT, path).split(sep).join("/"),
  text: readFileSync(path, "utf8"),
}));

const isEngineModule = (specifier: string) =>
  /(^|\/)engine\/adjudicate(\.js)?$|^\.\/adjudicate(\.js)?$/.test(specifier);

/**
 * Where a file reaches the engine's adjudicate: calls `adjudicate(…)` or `x.adjudicate(…)`, or imports or
 * re-exports the value `adjudicate` (under any alias) from engine/adjudicate.
 */
function adjudicateUses(name: string, text: string): string[] {
  // Parsing is the slow part; a file that never names adjudicate cannot reach it.
  if (!text.includes("adjudicate")) return [];
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const where = (node: ts.Node) => `${name}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const called = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : undefined;
      if (called === "adjudicate") found.push(`${where(node)} calls adjudicate`);
    }
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      isEngineModule(node.moduleSpecifier.text)
    ) {
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly === true
        : node.isTypeOnly;
      const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
      if (!typeOnly && bindings !== undefined) {
        if (ts.isNamespaceImport(bindings) || ts.isNamespaceExport(bindings))
          found.push(`${where(node)} imports the engine's adjudicate module as a namespace`);
        else
          for (const el of bindings.elements) {
            const imported = (el.propertyName ?? el.name).text;
            if (imported === "adjudicate" && !el.isTypeOnly) found.push(`${where(node)} imports adjudicate`);
          }
      } else if (!typeOnly && ts.isExportDeclaration(node))
        found.push(`${where(node)} re-exports the engine's adjudicate module`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `status in ( … )` lists naming exactly the policy statuses that cover: the policy-in-force rule. */
const IN_FORCE_STATUSES = ["active", "cancelled", "pending_effective"];

function inForceRules(text: string): number {
  let count = 0;
  for (const m of text.matchAll(/status\s+in\s*\(([^)]*)\)/gi)) {
    const statuses = (m[1] ?? "")
      .split(",")
      .map((s) => s.trim().replace(/^'|'$/g, ""))
      .sort();
    if (JSON.stringify(statuses) === JSON.stringify(IN_FORCE_STATUSES)) count++;
  }
  return count;
}

/** A read of medical records settled before a date: the history pre-existing rules look at. */
const HISTORY_READ = /from\s+medical_records\b[^;`]*?settled_at\s*</g;

describe("one door to the engine: services/claims/coverage.ts", () => {
  it("finds the engine's own calls, so a call elsewhere would be found too", () => {
    const engine = FILES.filter((f) => f.name.startsWith(ENGINE)).flatMap((f) =>
      adjudicateUses(f.name, f.text),
    );
    expect(engine.some((u) => u.startsWith("src/engine/batch.ts") && u.endsWith("calls adjudicate"))).toBe(
      true,
    );
    const probe = [
      'import { adjudicate as pay } from "../../engine/adjudicate.js";\npay(plan, terms, acc, s);',
      'import * as engine from "../engine/adjudicate.js";\nengine.adjudicate(plan, terms, acc, s);',
      'import type { Adjudication } from "../engine/adjudicate.js";\nconst x = 1;',
    ].map((text) => adjudicateUses("probe.ts", text));
    expect(probe[0]).toEqual(["probe.ts:1 imports adjudicate"]);
    expect(probe[1]).toEqual([
      "probe.ts:1 imports the engine's adjudicate module as a namespace",
      "probe.ts:2 calls adjudicate",
    ]);
    expect(probe[2]).toEqual([]);
  });

  it("only coverage.ts (and the engine itself) calls adjudicate", () => {
    const coverage = FILES.find((f) => f.name === COVERAGE);
    expect(coverage, COVERAGE).toBeDefined();
    expect(adjudicateUses(COVERAGE, coverage?.text ?? "").some((u) => u.endsWith("calls adjudicate"))).toBe(
      true,
    );
    const elsewhere = FILES.filter((f) => f.name !== COVERAGE && !f.name.startsWith(ENGINE)).flatMap((f) =>
      adjudicateUses(f.name, f.text),
    );
    expect(elsewhere).toEqual([]);
  });

  it("writes the policy-in-force rule and the history read in SQL once, in coverage.ts", () => {
    const rules = FILES.map((f) => ({ name: f.name, count: inForceRules(f.text) })).filter(
      (r) => r.count > 0,
    );
    expect(rules).toEqual([{ name: COVERAGE, count: 1 }]);
    const history = FILES.map((f) => ({
      name: f.name,
      count: [...f.text.matchAll(HISTORY_READ)].length,
    })).filter((r) => r.count > 0);
    expect(history).toEqual([{ name: COVERAGE, count: 1 }]);
  });

  it("recognises the rule however it is spaced or ordered", () => {
    expect(inForceRules("p.status in ('pending_effective', 'active', 'cancelled')")).toBe(1);
    expect(inForceRules("status IN ('cancelled','active','pending_effective')")).toBe(1);
    expect(inForceRules("status in ('pending_payment','pending_effective','active','cancelled')")).toBe(0);
  });
});
