#!/usr/bin/env bash
# Run the ansible-test integration targets against the bundled EM simulator over HTTPS.
# Usage: tools/integration.sh <collection dir inside an ansible_collections tree> [ansible-test options]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
collection=$1
shift
python=${PYTHON:-python3}
state=$(mktemp -d)
trap '"$python" "$here/tools/sim.py" stop --state-dir "$state"; rm -rf "$state"' EXIT
server=$("$python" "$here/tools/sim.py" start --state-dir "$state" -- --seed 11 --sessions 80)
"$python" - "$server" "$collection/tests/integration/integration_config.yml" <<'PY'
import json, sys
server = json.loads(sys.argv[1])
with open(sys.argv[2], 'w', encoding='utf-8') as out:
    json.dump({
        'em_host': '127.0.0.1',
        'em_port': server['port'],
        'em_username': server['username'],
        'em_password': server['password'],
        'em_ca_path': server['ca_path'],
        'em_sim_url': server['url'],
    }, out, indent=1)
PY
cd "$collection"
ansible-test integration --local "$@"
