#!/usr/bin/env bash
# One logon shared by many tasks, through ansible-playbook itself: the registering task has no_log, and the
# registered session still serves later tasks. The whole run is captured at -vvv and searched afterwards
# for every token EM handed out (on the simulator, every one its request log shows; on a real EM, the shared
# logons' tokens the playbook kept in a 0600 file): none may appear. Works against the simulator and,
# read-only, against a real EM, as tests/integration/integration_config.yml says (see setup_em).
set -eu
config=../../integration_config.yml
export ANSIBLE_ROLES_PATH=..
log="${OUTPUT_DIR}/logon_session_play.log"
tokens="${OUTPUT_DIR}/logon_session_tokens"
rm -f "${tokens}"
status=0
ansible-playbook -i "${INVENTORY_PATH}" -e "@${config}" -e "token_file=${tokens}" shared_logon.yml -vvv > "${log}" 2>&1 || status=$?
grep -E '^(PLAY RECAP|TASK |fatal|failed)|ok=|failed=' "${log}" || true
if [ "${status}" -ne 0 ]; then
    cat "${log}"
    exit "${status}"
fi
ansible-playbook -i "${INVENTORY_PATH}" -e "@${config}" -e "play_log=${log}" -e "token_file=${tokens}" check_output.yml "$@"
