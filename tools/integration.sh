#!/usr/bin/env bash
# Run the ansible-test integration targets, against a real Enterprise Manager when one is configured,
# else against the bundled EM simulator over HTTPS.
# Usage: tools/integration.sh <collection dir inside an ansible_collections tree> [ansible-test options]
#
# The EM comes from $INTEGRATION_CONFIG, by default tests/integration/integration_config.yml of this
# repository (git-ignored; tests/integration/integration_config.yml.sample documents it). When that file
# exists and sets em_host, it is checked and copied into the collection tree and no simulator starts;
# otherwise the simulator starts and its address is written there with em_is_simulator: true.
# ansible-test passes no custom environment to the targets: that file is how they learn the address.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
collection=$1
shift
# Absolute, since the run changes directory and the EXIT trap still needs it.
python=$(command -v "${PYTHON:-python3}") || { echo "integration.sh: no Python at ${PYTHON:-python3}" >&2; exit 1; }
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")
source_config=${INTEGRATION_CONFIG:-$here/tests/integration/integration_config.yml}
if [ -n "${INTEGRATION_CONFIG:-}" ] && [ ! -f "$INTEGRATION_CONFIG" ]; then
  echo "integration.sh: INTEGRATION_CONFIG names no file: $INTEGRATION_CONFIG" >&2
  exit 1
fi
target_config=$collection/tests/integration/integration_config.yml

# Prints "real <host:port>; <mode>" for a config that names an EM (after writing the normalised copy),
# "simulator" when there is none; exits non-zero, naming the key, on a config that cannot work.
mode=$("$python" - "$source_config" "$target_config" <<'PY'
import json, os, sys

import yaml

source, target = sys.argv[1:]
if not os.path.exists(source):
    print('simulator')
    sys.exit(0)
with open(source, encoding='utf-8') as handle:
    config = yaml.safe_load(handle) or {}
if not isinstance(config, dict):
    sys.exit('%s: expected a mapping of em_* keys' % source)
if not config.get('em_host'):
    print('simulator')
    sys.exit(0)
problems = ['%s is missing or empty' % key for key in ('em_username', 'em_password') if not config.get(key)]
for key, default in (('em_is_simulator', False), ('em_validate_certs', True)):
    config.setdefault(key, default)
    if not isinstance(config[key], bool):
        problems.append('%s must be true or false, not %r' % (key, config[key]))
for key, default in (('em_port', 9398), ('em_lookback_days', 7)):
    config.setdefault(key, default)
    if not isinstance(config[key], int) or isinstance(config[key], bool) or config[key] <= 0:
        problems.append('%s must be a positive whole number, not %r' % (key, config[key]))
if config.get('em_ca_path'):
    config['em_ca_path'] = os.path.abspath(os.path.expanduser(config['em_ca_path']))
    if not os.path.isfile(config['em_ca_path']):
        problems.append('em_ca_path: no file %s' % config['em_ca_path'])
if problems:
    sys.exit('%s: %s (see tests/integration/integration_config.yml.sample)' % (source, '; '.join(problems)))
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target, 'w', encoding='utf-8') as out:
    json.dump(config, out, indent=1)
print('real %s:%s; %s' % (config['em_host'], config['em_port'], 'em_is_simulator: true, the simulator-only checks run too'
                          if config['em_is_simulator'] else 'read-only, the simulator-only checks are skipped'))
PY
)

if [ "$mode" = simulator ]; then
  state=$(mktemp -d)
  trap '"$python" "$here/tools/sim.py" stop --state-dir "$state"; rm -rf "$state"' EXIT
  server=$("$python" "$here/tools/sim.py" start --state-dir "$state" -- --seed 11 --sessions 80)
  "$python" - "$server" "$target_config" <<'PY'
import json, sys
server = json.loads(sys.argv[1])
with open(sys.argv[2], 'w', encoding='utf-8') as out:
    json.dump({
        'em_is_simulator': True,
        'em_host': '127.0.0.1',
        'em_port': server['port'],
        'em_username': server['username'],
        'em_password': server['password'],
        'em_validate_certs': True,
        'em_ca_path': server['ca_path'],
        'em_sim_url': server['url'],
    }, out, indent=1)
PY
  echo "integration: against the bundled EM simulator (no em_host in $source_config)"
else
  echo "integration: against the Enterprise Manager at ${mode#real } (from $source_config)"
fi

cd "$collection"
ansible-test integration --local "$@"
