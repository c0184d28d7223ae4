// The markdown example as a user meets it: built with `offload build`, loaded with load(),
// called through the pool. Small inputs for the syntax; a few real READMEs (a few KiB to a
// few tens of KiB) for agreement with markdown-it; and the safety of the default renderer.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import MarkdownIt from 'markdown-it';
import { loadMarkdown, renderFile, type Markdown } from '../examples/markdown/index.js';
import { firstDifference, normaliseHtml } from '../examples/markdown/normalise.js';
import { repoRoot } from './helpers/cli.js';

let markdown: Markdown;
before(async () => {
  markdown = await loadMarkdown({ threads: 1 });
});
after(() => markdown?.$close());

describe('markdown example: syntax', () => {
  test('headings and emphasis', async () => {
    assert.equal(await markdown.to_html('# Title\n\n## Sub *x*\n'), '<h1>Title</h1>\n<h2>Sub <em>x</em></h2>\n');
    assert.equal(
      await markdown.to_html('Some *em*, **strong**, ~~gone~~ and `a <b>`.\n'),
      '<p>Some <em>em</em>, <strong>strong</strong>, <del>gone</del> and <code>a &lt;b&gt;</code>.</p>\n',
    );
  });

  test('fenced code keeps its language and is escaped', async () => {
    assert.equal(
      await markdown.to_html('```js\nconst a = 1 < 2 && b;\n```\n'),
      '<pre><code class="language-js">const a = 1 &lt; 2 &amp;&amp; b;\n</code></pre>\n',
    );
  });

  test('tables with alignment', async () => {
    const html = await markdown.to_html('| L | C | R |\n|:--|:-:|--:|\n| a | b | c |\n');
    assert.match(html, /^<table><thead><tr><th style="text-align: left">L<\/th><th style="text-align: center">C<\/th>/);
    assert.match(html, /<td style="text-align: right">c<\/td><\/tr>\n<\/tbody><\/table>\n$/);
  });

  test('links, autolinks, images and task lists', async () => {
    assert.equal(
      await markdown.to_html('[site](https://example.com "T") <https://a.example/> ![alt](img.png)\n'),
      '<p><a href="https://example.com" title="T">site</a> <a href="https://a.example/">https://a.example/</a> <img src="img.png" alt="alt" /></p>\n',
    );
    assert.match(await markdown.to_html('- [x] done\n'), /<li><input disabled="" type="checkbox" checked=""\/>\ndone<\/li>/);
  });

  test('a batch renders each document as a single call would', async () => {
    const docs = ['# a\n', '*b*\n', '<i>c</i>\n'];
    assert.deepEqual(await markdown.to_html_many(docs, true), await Promise.all(docs.map((d) => markdown.to_html_trusted(d))));
    assert.deepEqual(await markdown.to_html_many(docs, false), await Promise.all(docs.map((d) => markdown.to_html(d))));
  });
});

describe('markdown example: raw HTML', () => {
  const hostile = [
    '<div onclick="steal()">hi</div>',
    '',
    '<script>alert(1)</script>',
    '',
    'Inline <img src=x onerror=alert(1)> and [bad](javascript:alert(1)), [bad2]( JaVaScRiPt:alert(1)),',
    '![img](data:text/html;base64,PHNjcmlwdD4=) but [ok](https://ok.example) and ![png](data:image/png;base64,AAAA).',
    '',
  ].join('\n');

  test('to_html (the safe default) escapes tags and drops script-capable URLs', async () => {
    const html = await markdown.to_html(hostile);
    assert.doesNotMatch(html, /<(div|script|img src=x)/);
    assert.match(html, /<p>&lt;script&gt;alert\(1\)&lt;\/script&gt;\n<\/p>/);
    assert.doesNotMatch(html, /href="javascript/i);
    assert.doesNotMatch(html, /src="data:text/);
    assert.match(html, /<a href="https:\/\/ok.example">ok<\/a>/);
    assert.match(html, /<img src="data:image\/png;base64,AAAA" alt="png" \/>/);
    assert.match(html, /and bad, bad2,/, 'an unsafe link keeps its text');
  });

  test('to_html_trusted passes HTML through, as markdown-it { html: true } does', async () => {
    const html = await markdown.to_html_trusted(hostile);
    assert.match(html, /<div onclick="steal\(\)">hi<\/div>/);
    assert.match(html, /<script>alert\(1\)<\/script>/);
  });
});

// Real documents, fixed by package-lock.json: READMEs of installed packages (markdown-it's and
// marked's own among them; piscina's has raw HTML blocks and badges). Outputs are compared after normalising
// serialisation only (see examples/markdown/normalise.ts for what that erases).
const readmes = [
  'node_modules/markdown-it/README.md',
  'node_modules/marked/README.md',
  'node_modules/debug/README.md',
  'node_modules/semver/README.md',
  'node_modules/piscina/README.md',
].filter((file) => existsSync(join(repoRoot, file)));

describe('markdown example: real READMEs against markdown-it', () => {
  test('the fixed READMEs are present', () => {
    assert.ok(readmes.length >= 4, `expected at least 4 of the READMEs, found ${readmes.join(', ')}`);
  });

  for (const file of readmes) {
    test(`${file}: trusted output equals markdown-it { html: true }`, async () => {
      const path = join(repoRoot, file);
      const ours = normaliseHtml(await renderFile(markdown, path, true));
      const theirs = normaliseHtml(new MarkdownIt({ html: true }).render(readFileSync(path, 'utf8')));
      assert.equal(firstDifference(ours, theirs), undefined);
    });

    test(`${file}: safe output keeps only markdown's own tags`, async () => {
      const html = await renderFile(markdown, join(repoRoot, file));
      const allowed = /^(p|h[1-6]|a|img|code|pre|em|strong|del|ul|ol|li|table|thead|tbody|tr|th|td|blockquote|hr|br|input)$/;
      for (const [, tag] of html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)) assert.match(tag!, allowed, `<${tag}> in safe output`);
      assert.doesNotMatch(html, /href="\s*(javascript|vbscript|file):/i);
    });
  }

  const debugReadme = join(repoRoot, 'node_modules/debug/README.md');
  test('the safe output equals markdown-it default (html: false), raw HTML escaped', { skip: !existsSync(debugReadme) && 'debug is not installed' }, async () => {
    // markdown-it's default also escapes raw HTML, and both turn an escaped HTML block into a
    // paragraph. They differ only where an HTML block interrupts a paragraph: markdown-it, not
    // parsing HTML, keeps it in that paragraph; we start a new one (2 of the 30 bench READMEs).
    const path = debugReadme;
    const ours = normaliseHtml(await renderFile(markdown, path));
    const theirs = normaliseHtml(new MarkdownIt().render(readFileSync(path, 'utf8')));
    assert.equal(firstDifference(ours, theirs), undefined);
  });
});
