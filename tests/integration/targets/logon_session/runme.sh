#!/usr/bin/env bash
# One logon shared by many tasks, through ansible-playbook itself: the registering task has no_log, and the
# registered session still serves later tasks. The whole run is captured at -vvv and searched afterwards
# for every token the simulator handed out: none may appear.
set -eu
config=../../integration_config.yml
export ANSIBLE_ROLES_PATH=..
log="${OUTPUT_DIR}/logon_session_play.log"
status=0
ansible-playbook -i "${INVENTORY_PATH}" -e "@${config}" shared_logon.yml -vvv > "${log}" 2>&1 || status=$?
grep -E '^(PLAY RECAP|TASK |fatal|failed)|ok=|failed=' "${log}" || true
if [ "${status}" -ne 0 ]; then
    cat "${log}"
    exit "${status}"
fi
ansible-playbook -i "${INVENTORY_PATH}" -e "@${config}" -e "play_log=${log}" check_output.yml "$@"
