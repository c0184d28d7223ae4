// Proves, on any machine however much was installed by hand, that the package lists the
// installers use bring in every file offload needs: each needed file (and every shared
// library it loads) belongs to a package that `apt-get install --no-install-recommends
// <list>` reaches. Lists live in scripts/packages/; a new <tool>.apt is picked up by itself
// and proved through its `# provides: /path` lines.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_LISTS_DIR, readAptList } from '../src/build/apt-list.js';
import { DEBIAN_ROUTE_FILES } from '../src/build/toolchain.js';
import { ensureWasmEdge } from './helpers/build-program.js';
import { aptClosure, isElf, loadedLibraries, ownersOfPathsAndTargets } from './helpers/debian-packages.js';

/** Where `offload setup` installs the Debian route (OFFLOAD_DEBIAN_PREFIX is for packagers). */
const debianRouteFiles = DEBIAN_ROUTE_FILES.map((file) => ({ ...file, absolute: join('/usr', file.path) }));

/** The files a list must bring: its `# provides:` lines, and for the Rust route what doctor checks. */
function neededFiles(listFile: string, provides: string[]): string[] {
  const extra = listFile === 'rust-debian.apt' ? debianRouteFiles.map((file) => file.absolute) : [];
  return [...provides, ...extra];
}

/** Every problem found with `files` and the libraries they load, against one closure. */
async function provenanceProblems(files: string[], packages: string[], closure: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  const why = new Map<string, string>();
  for (const file of files) {
    if (!existsSync(file)) {
      problems.push(`${file} is not there: run scripts/setup.sh --for-tests`);
      continue;
    }
    why.set(file, 'needed');
    if (!(await isElf(file))) continue;
    const libraries = await loadedLibraries(file);
    for (const soname of libraries.missing) problems.push(`${file} loads ${soname}, which the loader cannot find`);
    for (const library of libraries.resolved) if (!why.has(library)) why.set(library, `loaded by ${file}`);
  }
  const install = `apt-get install --no-install-recommends ${packages.join(' ')}`;
  for (const [path, chain] of await ownersOfPathsAndTargets([...why.keys()])) {
    // dpkg knows a file by the path its package ships, which for a file reached through a
    // linked folder is only the resolved one; every owner it names must be reachable.
    if (chain.every((entry) => entry.owners.length === 0)) {
      problems.push(`${path} (${why.get(path)}) belongs to no Debian package: installed by hand?`);
    }
    for (const { path: owned, owners } of chain) {
      if (owners.length > 0 && !owners.some((owner) => closure.has(owner))) {
        problems.push(`${owned} (${why.get(path)}) comes from ${owners.join(', ')}, which \`${install}\` does not bring in`);
      }
    }
  }
  return problems;
}

const aptLists = readdirSync(PACKAGE_LISTS_DIR).filter((file) => file.endsWith('.apt')).sort();

describe('package provenance: what the installers install is what offload uses', () => {
  it('covers the lists this project knows it needs', () => {
    for (const needed of ['rust-debian.apt', 'chromium.apt']) assert.ok(aptLists.includes(needed), needed);
  });

  for (const listFile of aptLists) {
    it(`scripts/packages/${listFile} brings in every file it provides and every library they load`, async () => {
      const list = readAptList(listFile);
      const files = neededFiles(listFile, list.provides);
      assert.ok(files.length > 0, `scripts/packages/${listFile} has no "# provides: /path" line, so nothing proves it; name the binary it installs`);
      const closure = await aptClosure(list.packages);
      assert.deepEqual(await provenanceProblems(files, list.packages, closure), []);
    });
  }

  it("doctor names, for each file of the Debian route, the package that really ships it, and setup installs it", async () => {
    const listed = readAptList('rust-debian.apt').packages;
    const owned = await ownersOfPathsAndTargets(debianRouteFiles.map((file) => file.absolute));
    for (const file of debianRouteFiles) {
      const owners = (owned.get(file.absolute) ?? []).flatMap((entry) => entry.owners);
      assert.ok(owners.includes(file.package), `${file.absolute}: doctor says ${file.package}, dpkg says ${owners.join(', ')}`);
      assert.ok(listed.includes(file.package), `${file.package} is not in scripts/packages/rust-debian.apt`);
    }
  });

  it('would fail without rust-web-llvm: rustc-web only recommends it, so rust-lld is then missing', async () => {
    // The regression this test exists for: the list as it was before rust-web-llvm was named.
    const packages = readAptList('rust-debian.apt').packages.filter((name) => name !== 'rust-web-llvm');
    const problems = await provenanceProblems(['/usr/bin/rust-lld'], packages, await aptClosure(packages));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /^\/usr\/bin\/rust-lld \(needed\) comes from rust-web-llvm, which `apt-get install --no-install-recommends/);
  });

  it("WasmEdge's private prefix: every library wasmedge loads there comes from scripts/packages/wasmedge.trixie", async (t) => {
    const launcher = await ensureWasmEdge();
    const prefix = dirname(dirname(launcher));
    const record = join(prefix, '.unpacked');
    if (!existsSync(record)) {
      t.skip(`the wasmedge in use (${launcher}) is not offload's private prefix, so there is no prefix to prove`);
      return;
    }
    const listText = await readFile(join(PACKAGE_LISTS_DIR, 'wasmedge.trixie'), 'utf8');
    // The installer reinstalls when the list changed, so the prefix is always today's list.
    assert.equal(await readFile(join(record, 'wasmedge.trixie'), 'utf8'), listText);
    const packages = readAptList('wasmedge.trixie').packages;

    // Which package each unpacked file came from, as the installer recorded it.
    const shippedBy = new Map<string, string>();
    for (const entry of await readdir(record)) {
      if (!entry.endsWith('.list')) continue;
      const pkg = basename(entry, '.list');
      for (const path of (await readFile(join(record, entry), 'utf8')).split('\n')) if (path) shippedBy.set(path, pkg);
    }
    const [triplet, loader] =
      process.arch === 'arm64' ? ['aarch64-linux-gnu', 'ld-linux-aarch64.so.1'] : ['x86_64-linux-gnu', 'ld-linux-x86-64.so.2'];
    const libDir = join(prefix, 'usr', 'lib', triplet);
    const binary = join(prefix, 'usr', 'bin', 'wasmedge');
    const libraries = await loadedLibraries(binary, { path: join(libDir, loader), libraryPath: libDir });
    assert.deepEqual(libraries.missing, [], 'libraries the prefix lacks');
    assert.ok(libraries.resolved.length >= 10, `wasmedge loads only ${libraries.resolved.join(', ')}?`);

    const problems: string[] = [];
    for (const path of [binary, ...libraries.resolved]) {
      // Never the host's libraries: trixie's libstdc++ or glibc mixed with bookworm's would break.
      if (!path.startsWith(`${prefix}/`)) {
        problems.push(`${path} is loaded from outside the prefix`);
        continue;
      }
      for (const inPrefix of new Set([path, await realpath(path)])) {
        const pkg = shippedBy.get(inPrefix.slice(prefix.length));
        if (!pkg) problems.push(`${inPrefix} was not unpacked from any package`);
        else if (!packages.includes(pkg)) problems.push(`${inPrefix} comes from ${pkg}, which is not in wasmedge.trixie`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
