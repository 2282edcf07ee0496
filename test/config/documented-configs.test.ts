import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { loadCollectorConfig } from '../../collector/src/config/load';
import { loadConfig } from '../../config/load';

/**
 * Every config the documentation shows is a config the loaders accept, as `check-config` (collector)
 * and `npm start` (toolkit) load it: each ```json block of README.md and each file of examples/.
 *
 * A ```json block is a whole config, told by its top-level keys: `stacks` (the toolkit's) or
 * `source`/`sink` (the collector's). A block that shows only a part of one is marked with the line
 * `<!-- fragment -->` right above its fence (invisible when rendered) and is not loaded; any other
 * ```json block fails here, so a new example cannot go unchecked.
 *
 * Collector configs are loaded with every name written `${name}` in them set in the environment:
 * a real reference resolves, and a string the config takes as written (a VPC Flow Logs format's
 * `${field}` names) must come out unchanged.
 */

const root = resolve(__dirname, '..', '..');
const FRAGMENT = '<!-- fragment -->';

interface Block {
  readonly line: number;
  readonly text: string;
  readonly fragment: boolean;
}

/** The ```json fenced blocks of a Markdown text, with the line of their fence. */
function jsonBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    let end = i + 1;
    while (end < lines.length && !lines[end].trim().startsWith(fence)) end++;
    if (open[3].toLowerCase() === 'json') {
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === '') before--;
      blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), fragment: before >= 0 && lines[before].trim() === FRAGMENT });
    }
    i = end;
  }
  return blocks;
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = jsonBlocks(readme).filter((b) => !b.fragment);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-siem-docs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `${name}` names of a text, every one set: the environment a config is checked in. */
const everyNameSet = (text: string): NodeJS.ProcessEnv => Object.fromEntries([...text.matchAll(/\$\{([^}]+)\}/g)].map((m) => [m[1], 'from-the-environment']));

describe('README.md', () => {
  test('shows collector configs, all of them found here', () => {
    expect(blocks.filter((b) => 'source' in (JSON.parse(b.text) as object)).length).toBeGreaterThan(0);
  });

  test.each(blocks.map((b) => [b.line, b] as const))('the ```json block at line %d is a config its loader accepts', (_line, block) => {
    const config = JSON.parse(block.text) as Record<string, unknown>;
    const path = join(dir, `readme-${block.line}.json`);
    writeFileSync(path, block.text);
    if ('stacks' in config) {
      expect(() => loadConfig(path)).not.toThrow();
    } else if ('source' in config || 'sink' in config) {
      const loaded = loadCollectorConfig(path, everyNameSet(block.text));
      const written = (config.parsers as { vpcFlowLogs?: { format?: string }[] } | undefined)?.vpcFlowLogs ?? [];
      expect(loaded.parsers.vpcFlowLogs.map((p) => p.format)).toEqual(written.map((p) => p.format));
    } else {
      throw new Error(`README.md line ${block.line}: a \`\`\`json block that is no config (no stacks, source or sink); mark it ${FRAGMENT}`);
    }
  });

  test('a block marked as a fragment is not loaded, and the marker is the line right above the fence', () => {
    const md = ['text', '<!-- fragment -->', '```json', '{ "prefix": "x" }', '```', '', '```json', '{ "stacks": [] }', '```', '```sh', 'echo', '```'].join(
      '\n',
    );
    expect(jsonBlocks(md)).toEqual([
      { line: 3, text: '{ "prefix": "x" }', fragment: true },
      { line: 7, text: '{ "stacks": [] }', fragment: false },
    ]);
  });
});

describe('examples/', () => {
  const examples = readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort();

  test.each(examples)('%s is a toolkit config its loader accepts', (file) => {
    expect(() => loadConfig(join(root, 'examples', file))).not.toThrow();
  });
});
