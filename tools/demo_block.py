"""The failure block that `make demo` prints, kept in README.md: check it there, or write it there.

    python tools/demo_block.py LOG README.md          # fail when the README's block differs from the demo's
    python tools/demo_block.py LOG README.md --write  # put the demo's block into the README

LOG is the output of the demo's failing run (ansible-playbook with the user's default callback). The block is the
role's failure block (from "Enterprise Manager ...: FAILED" to the end of its indented lines) and the fatal line
of the failed task. The simulator's port, the temporary report directory and the times and ages of the run (the
simulator's sessions are generated relative to the time of the run) differ from run to run: they are compared as
placeholders; everything else must be the same, line by line.
"""

import re
import sys

START = '<!-- demo-block-start -->'
END = '<!-- demo-block-end -->'
VOLATILE = [
    (re.compile(r'127\.0\.0\.1:[0-9]+'), '127.0.0.1:PORT'),
    (re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'), 'TIME'),
    (re.compile(r'\([0-9]+ (?:min|h|days) ago\)'), '(AGE)'),
    (re.compile(r'The report files are in [^"]*\.'), 'The report files are in DIR.'),
]


def block_of(log_text):
    """The demo's block: the failure block's lines and the fatal line, as printed."""
    lines = log_text.splitlines()
    start = next(index for index, line in enumerate(lines) if re.match(r'^Enterprise Manager .*: FAILED, ', line))
    end = start + 1
    while end < len(lines) and lines[end].startswith('  '):
        end += 1
    fatal = [line for line in lines if line.startswith('fatal: [localhost]: FAILED! => ')]
    # The report directory under the checkout, without the checkout's own path.
    fatal = [re.sub(r'are in /\S*/(build/demo-reports/)', r'are in .../\1', line) for line in fatal[-1:]]
    return lines[start:end] + [''] + fatal


def normal(lines):
    out = []
    for line in lines:
        for pattern, placeholder in VOLATILE:
            line = pattern.sub(placeholder, line)
        out.append(line)
    return out


def readme_block(readme_text):
    part = readme_text.split(START, 1)[1].split(END, 1)[0].strip('\n').splitlines()
    return part[1:-1]  # inside the ```text fence


def main(argv):
    log_path, readme_path = argv[:2]
    with open(log_path, encoding='utf-8') as handle:
        block = block_of(handle.read())
    with open(readme_path, encoding='utf-8') as handle:
        readme = handle.read()
    if '--write' in argv:
        head, rest = readme.split(START, 1)
        tail = rest.split(END, 1)[1]
        with open(readme_path, 'w', encoding='utf-8') as handle:
            handle.write(head + START + '\n```text\n' + '\n'.join(block) + '\n```\n' + END + tail)
        return 0
    if normal(readme_block(readme)) != normal(block):
        sys.stderr.write('demo: the block in %s differs from what the demo printed:\n%s\n'
                         '(run `DEMO_WRITE_README=1 make demo` to put it there)\n' % (readme_path, '\n'.join(block)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
