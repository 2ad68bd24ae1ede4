#!/usr/bin/env bash
# make demo: start the bundled EM simulator over HTTPS, run the compliance playbook against a data set with
# failures and a replication job that stopped running (the role must catch them) and against a healthy one where
# every job runs (it must pass), then check the role logged on once and left no logon session open.
# Expects the collection on ANSIBLE_COLLECTIONS_PATH and ansible-playbook on PATH (the Makefile sets both).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
state=$(mktemp -d)
trap '"$python" "$here/tools/sim.py" stop --state-dir "$state"; rm -rf "$state"' EXIT

server=$("$python" "$here/tools/sim.py" start --state-dir "$state" -- --seed 42 --sessions 400 --days 7 \
  --failure-rate 0.04 --warning-rate 0.08)
field() { "$python" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$server" "$1"; }

# What an AWX credential would inject. The password goes through the environment, never the command line.
# Assigned first, exported after: `export X=$(...)` would hide a failing command (shellcheck SC2155).
VEEAM_EM_HOST=127.0.0.1
VEEAM_EM_PORT=$(field port)
VEEAM_EM_USERNAME=$(field username)
VEEAM_EM_PASSWORD=$(field password)
VEEAM_EM_CA_PATH=$(field ca_path)
export VEEAM_EM_HOST VEEAM_EM_PORT VEEAM_EM_USERNAME VEEAM_EM_PASSWORD VEEAM_EM_CA_PATH
export ANSIBLE_PYTHON_INTERPRETER=${ANSIBLE_PYTHON_INTERPRETER:-$(command -v "$python")}
# The callback is the default one a user has: the failure block is printed as plain text under any of them.
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
playbook="$here/docs/examples/compliance.yml"
# The role's report files are kept after the demo, one folder per run.
reports="$here/build/demo-reports"
rm -rf "$reports"

echo "== EM simulator at $(field url) (HTTPS, its own CA: $VEEAM_EM_CA_PATH)"
echo "== 1/2: a week of sessions with failures, and a weekly job that has not run for 8 days."
echo "==      The role judges each job, policy and VM on its newest finished session: it must fail and list them."
set +e
ansible-playbook "$playbook" -e "session_compliance_report_dir=$reports/failing" \
  -e '{"session_compliance_report_formats": ["json", "junit", "html", "prometheus"]}' | tee "$state/failing.log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -eq 0 ] || ! grep -q ': FAILED, [0-9]* incident(s)' "$state/failing.log" \
    || ! grep -q '^    Replication job Weekly DR Replication: stale: ' "$state/failing.log"; then
  echo "demo: the role did not catch the seeded failures and the stopped job (exit $rc)" >&2
  exit 1
fi
# The README shows this block: check it is what the demo printed (DEMO_WRITE_README=1 puts it there).
if [ "${DEMO_WRITE_README:-}" = 1 ]; then
  "$python" "$here/tools/demo_block.py" "$state/failing.log" "$here/README.md" --write
fi
"$python" "$here/tools/demo_block.py" "$state/failing.log" "$here/README.md"
echo "== The role failed as it should (exit $rc): failed jobs and VMs, and the weekly job that stopped running."
echo "== Its requests to EM:"
"$python" - "$(field url)" "$VEEAM_EM_CA_PATH" <<'PY'
import json, sys, urllib.request, ssl
url, ca = sys.argv[1:]
log = json.load(urllib.request.urlopen(url + '/_sim/log', context=ssl.create_default_context(cafile=ca)))
logons = sum(1 for entry in log if entry['method'] == 'POST')
queries = [entry['query'].get('type') for entry in log if entry['path'] == '/api/query']
print('   %d requests: %d logon, %d logout, %d query pages (%s)' % (
    len(log), logons, sum(1 for entry in log if entry['method'] == 'DELETE'), len(queries), ', '.join(queries)))
sys.exit(0 if logons == 1 else 1)
PY

echo "== 2/2: a healthy data set where every job runs; the role must pass"
dataset='{"healthy": {"seed": 42, "sessions": 400, "days": 7, "idle": false}}'
"$python" - "$(field url)" "$VEEAM_EM_CA_PATH" "$dataset" <<'PY'
import sys, urllib.request, ssl
url, ca, body = sys.argv[1:]
request = urllib.request.Request(url + '/_sim/dataset', data=body.encode(), method='POST',
                                 headers={'Content-Type': 'application/json'})
urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca)).read()
PY
ansible-playbook "$playbook" -e "session_compliance_report_dir=$reports/healthy" \
  -e '{"session_compliance_report_formats": ["json", "junit", "html", "prometheus"]}'
echo "== The role passed on the healthy data set. Logon sessions left open on the simulator:"
"$python" - "$(field url)" "$VEEAM_EM_CA_PATH" <<'PY'
import json, sys, urllib.request, ssl
url, ca = sys.argv[1:]
state = json.load(urllib.request.urlopen(url + '/_sim/state', context=ssl.create_default_context(cafile=ca)))
print(state['open_logon_sessions'])
sys.exit(1 if state['open_logon_sessions'] else 0)
PY
echo "== Report files the role wrote:"
find "$reports" -type f | sort
echo "== Demo done."
