"""Move the Markdown guides of docs/ to the docsite, once: docs/<guide>.md becomes docs/docsite/rst/<guide>.rst.

    python tools/guides_to_rst.py            (make guides-rst)

Each guide keeps one source: the RST page is written, docs/docsite/extra-docs.yml lists it, and the Markdown file
is removed (with docs/index.md, whose list the docsite's index replaces); links to them from the Markdown files
that stay (README.md, the role's README, ...) are pointed at the RST pages, and so are plain mentions of their paths
in other files (comments), changelog fragments aside. Run again, it converts nothing twice and fixes links only. The conversion is pandoc's
(`pandoc -f gfm -t rst`, Debian package pandoc, needed only here) with tools/guides_to_rst.lua, which gives every
heading a label antsibull-docs accepts and turns links between guides into :ref:, links to module and role pages
into :ansplugin: and other relative links into links to the file on GitHub. A guide whose RST page exists already
is refused rather than overwritten; to redo one after a Markdown edit was merged, delete its .rst first.
docs/performance.md stays Markdown: tools/bench.py writes it.
"""

import os
import re
import shutil
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')
RST = os.path.join(DOCS, 'docsite', 'rst')
FILTER = os.path.join(ROOT, 'tools', 'guides_to_rst.lua')
REPOSITORY = 'https://github.com/veeam-enterprise-manager/veeam.enterprise_manager'

# (section title, [guides]) in the order of the docsite's index.
SECTIONS = [
    ('Guides', ['usage', 'session_compliance', 'reports', 'awx', 'eda', 'security', 'troubleshooting']),
    ('Developer guide', ['testing']),
]


def guides_present():
    """The guides of SECTIONS that exist, as Markdown or already as RST."""
    sections = []
    for title, names in SECTIONS:
        present = [name for name in names
                   if os.path.exists(os.path.join(DOCS, name + '.md')) or os.path.exists(os.path.join(RST, name + '.rst'))]
        if present:
            sections.append((title, present))
    return sections


def convert(name, all_guides):
    source = os.path.join(DOCS, name + '.md')
    target = os.path.join(RST, name + '.rst')
    if not os.path.exists(source):
        return False
    if os.path.exists(target):
        raise SystemExit('guides_to_rst: %s and %s both exist; delete the .rst to convert the Markdown again'
                         % (os.path.relpath(source, ROOT), os.path.relpath(target, ROOT)))
    command = ['pandoc', '--from', 'gfm', '--to', 'rst', '--wrap=preserve', '--columns=10000', '--lua-filter', FILTER,
               '--metadata', 'page=' + name, '--metadata', 'repository=' + REPOSITORY]
    for guide in all_guides:
        command += ['--metadata', 'guides=' + guide]
    with open(source, encoding='utf-8') as handle:
        text = subprocess.run(command, input=handle.read(), capture_output=True, text=True, check=True).stdout
    # pandoc writes a label right above its heading; RST wants a blank line after explicit markup.
    text = re.sub(r'^(\.\. _[^\n]*:)\n(?=\S)', '\\1\n\n', text, flags=re.MULTILINE)
    header = ('..\n  This page is the source of the guide (it was docs/%s.md); `make docsite` renders it.\n\n' % name)
    with open(target, 'w', encoding='utf-8') as handle:
        handle.write(header + text)
    os.remove(source)
    print('guides_to_rst: docs/%s.md -> docs/docsite/rst/%s.rst' % (name, name))
    return True


LINK = re.compile(r'\[([^\]]*)\]\((?!\w[\w+.-]*:)([^)#\s]+)(#[^)\s]*)?\)')


def relink(moved):
    """Point the links of the Markdown files that stay (README.md, ...) from a moved guide to its RST page."""
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '*.md'], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    for relative in listed:
        path = os.path.join(ROOT, relative)
        if not os.path.exists(path):
            continue
        base = os.path.dirname(path)

        def replace(match, base=base):
            text, written, anchor = match.group(1), match.group(2), match.group(3) or ''
            target = os.path.normpath(os.path.join(base, written))
            if target not in moved:
                return match.group(0)
            new = os.path.relpath(moved[target], base)
            shown = text.strip('`')
            if shown == written:  # [docs/awx.md](docs/awx.md): the text is the path
                text = text.replace(shown, new)
            elif shown == os.path.relpath(target, ROOT):  # [docs/awx.md](../../docs/awx.md)
                text = text.replace(shown, os.path.relpath(moved[target], ROOT))
            return '[%s](%s%s)' % (text, new, anchor)

        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        new = LINK.sub(replace, text)
        if new != text:
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(new)
            print('guides_to_rst: links updated in %s' % relative)


# Files whose mentions of a guide's old path stay as they are: history, and this converter.
KEEP_MENTIONS = ('changelogs/', 'docs/docsite/rst/', 'tools/guides_to_rst.')


def remention(moved):
    """Replace plain mentions of a moved guide's path (`see docs/eda.md` in a comment) in the other tracked files."""
    names = {os.path.relpath(old, ROOT): os.path.relpath(new, ROOT) for old, new in moved.items() if old.endswith('.md')}
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    for relative in listed:
        path = os.path.join(ROOT, relative)
        if relative.startswith(KEEP_MENTIONS) or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding='utf-8') as handle:
                text = handle.read()
        except UnicodeDecodeError:
            continue
        new = text
        for old_name, new_name in names.items():
            new = re.sub(r'(?<![\w/.])%s\b' % re.escape(old_name), new_name, new)
        if new != text:
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(new)
            print('guides_to_rst: mentions updated in %s' % relative)


def main():
    if shutil.which('pandoc') is None:
        raise SystemExit('guides_to_rst: needs pandoc (Debian: apt-get install --no-install-recommends pandoc)')
    os.makedirs(RST, exist_ok=True)
    sections = guides_present()
    # Several guides may be passed as one list: pandoc collects repeated --metadata keys into a list only from 2 on.
    all_guides = [name for dummy, names in sections for name in names]
    moved = {}
    for name in all_guides:
        convert(name, all_guides + ['-'])
        if not os.path.exists(os.path.join(DOCS, name + '.md')):  # converted now or before: links may still point here
            moved[os.path.join(DOCS, name + '.md')] = os.path.join(RST, name + '.rst')
    index = os.path.join(DOCS, 'index.md')
    if os.path.exists(index):
        os.remove(index)
        print('guides_to_rst: removed docs/index.md (the docsite index lists the guides)')
    moved[index] = RST + os.sep  # the list of guides
    relink(moved)
    remention(moved)
    lines = ['---', '# The guides of the docsite: docs/docsite/rst/<name>.rst, written by tools/guides_to_rst.py.', 'sections:']
    for title, names in sections:
        lines += ['  - title: %s' % title, '    toctree:'] + ['      - %s' % name for name in names]
    with open(os.path.join(DOCS, 'docsite', 'extra-docs.yml'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
