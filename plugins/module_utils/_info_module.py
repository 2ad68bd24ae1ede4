# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every module shares: the connection options, the run of one query, and the shared logon.

Private to this collection: not a public API; names and signatures may change in any release.

A module describes itself (its resource, its extra options and how they become filter
conditions) and hands over to ``run_info_module``; this file turns options into a query, runs it
through the client, and turns every error into a ``fail_json`` with a readable message.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, but the sanity import test runs this
    from urllib import quote  # type: ignore

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from . import _client as em_client
from . import _compliance as compliance
from ._conditions import session_conditions
from ._gather import gather
from ._connection import CONNECTION_OPTIONS, client_from_params, connection_problem, options_named_in
from . import _errors as errors
from . import _wire as wire
from ._query import Condition, parse_uid


# The options that select sessions; ``id`` names one session and cannot be combined with them.
FILTER_OPTIONS = ('name', 'state', 'result', 'created_after', 'created_before', 'backup_server_name', 'filter', 'limit')


def connection_argument_spec():
    """The connection options as an argument spec, each with its ``VEEAM_EM_*`` fallback (see _connection.py)."""
    spec = {}
    for name, definition in CONNECTION_OPTIONS.items():
        option = dict((key, value) for key, value in definition.items() if key != 'env')
        if 'env' in definition:
            option['fallback'] = (env_fallback, [definition['env']])
        spec[name] = option
    return spec


def item_filter_argument_spec():
    """The filter options of modules that list things without a run (jobs, policies): no state, result or time."""
    return dict(
        id=dict(type='str'),
        name=dict(type='str'),
        backup_server_name=dict(type='str'),
        filter=dict(type='str'),
        limit=dict(type='int'),
        page_size=dict(type='int', default=100),
    )


def point_filter_argument_spec():
    """The filter options of the VMs' points: those of listed things plus a time (no state, no result: a point
    exists or not)."""
    return dict(item_filter_argument_spec(), created_after=dict(type='str'), created_before=dict(type='str'))


def session_filter_argument_spec(resource):
    """The filter options every session module has: those of points plus ``state`` and ``result``, whose choices
    come from the resource."""
    return dict(point_filter_argument_spec(),
                state=dict(type='list', elements='str', choices=list(resource.states)),
                result=dict(type='list', elements='str', choices=list(resource.results)))


class InfoModuleSpec:
    """How one info module reads its resource.

    :param resource: the resources.Resource it lists.
    :param result_key: the key of the returned list (``sessions``, ``task_sessions``).
    :param extra_options: option name -> (argument spec entry, EM filter field or a callable
        ``(value) -> list of Condition`` for options that need converting).
    """

    def __init__(self, resource, result_key, extra_options=None):
        self.resource = resource
        self.result_key = result_key
        self.extra_options = extra_options or {}

    def filter_argument_spec(self):
        """Sessions have states, results and times; jobs and policies (no time field) do not."""
        if self.resource.time_field is None:
            return item_filter_argument_spec()
        if not self.resource.states:
            return point_filter_argument_spec()
        return session_filter_argument_spec(self.resource)

    def argument_spec(self):
        spec = connection_argument_spec()
        spec.update(self.filter_argument_spec())
        for name, (option_spec, dummy) in self.extra_options.items():
            spec[name] = option_spec
        return spec

    def conditions(self, params):
        """Filter conditions from the options; raises ValueError naming the option."""
        extra_filters = dict((name, field) for name, (dummy, field) in self.extra_options.items())
        return session_conditions(self.resource, params, extra_filters)


def uid_condition(field, uid_type, option):
    """An option taking a UUID or UID of ``uid_type``, sent as a filter on ``field``."""
    def convert(value):
        dummy, uid = parse_uid(value, uid_type, option)
        return [Condition(field, '==', uid)]
    return convert


def fail_input(module, problem, options=None):
    """Fail on bad input; with ``em_error`` when the problem concerns connection options (see ``fail_em``)."""
    options = options_named_in(problem) if options is None else options
    if options:
        module.fail_json(msg=problem, em_error=errors.em_error('input', options))
    module.fail_json(msg=problem)


def fail_em(module, exc):
    """Fail with an error of the client: its message, the error as data, and ``em_error``.

    ``em_error`` is for programs (the role words its own hint from it): ``kind`` (one of ``errors.KINDS``),
    ``options`` (the connection options the problem concerns) and, for ``authentication``, ``username``.
    """
    module.fail_json(msg=str(exc), error=exc.to_dict(), em_error=exc.as_em_error())


def run_info_module(spec):
    """The whole life of an info module: validate, log on, read, log out, exit."""
    resource = spec.resource
    argument_spec = spec.argument_spec()
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('id', name) for name in FILTER_OPTIONS + tuple(spec.extra_options) if name in argument_spec],
    )
    _require_libraries(module)

    params = module.params
    problem, options = connection_problem(params)
    if params.get('limit') is not None and params['limit'] < 0:
        problem = problem or 'limit: must not be negative, got %d' % params['limit']
    if params['page_size'] < 1:
        problem = problem or 'page_size: must be at least 1, got %d' % params['page_size']
    uuid = None
    conditions = []
    try:
        if params.get('id'):
            uuid = parse_uid(params['id'], resource.uid_type, 'id')[0]
        else:
            conditions = spec.conditions(params)
    except ValueError as exc:
        problem = problem or str(exc)
    if problem:
        fail_input(module, problem, options or [])

    items = []
    try:
        with client_from_params(params, module.warn) as em:
            if uuid:
                try:
                    items = [em.get_entity(resource, uuid)]
                except errors.EMNotFoundError:
                    items = []
            else:
                items = list(em.query(resource, conditions, raw_filter=params.get('filter'),
                                      sort_desc=resource.time_field, sort_asc=resource.sort_asc,
                                      page_size=params['page_size'],
                                      limit=params.get('limit')))
    except errors.EMError as exc:
        fail_em(module, exc)
    except ValueError as exc:
        fail_input(module, str(exc))
    module.exit_json(changed=False, **{spec.result_key: items})


def compliance_argument_spec():
    """The options of session_compliance_info besides the connection: the role's variables without their prefix."""
    return dict(
        checks=dict(type='list', elements='str', choices=list(compliance.CHECKS), default=list(compliance.DEFAULT_CHECKS)),
        lookback=dict(type='str', default='24h'),
        fail_on=dict(type='list', elements='str', choices=list(compliance.RESULTS), default=['Failed']),
        exclude=dict(type='list', elements='str', default=[]),
        judge=dict(type='str', choices=list(compliance.JUDGES), default='latest'),
        max_age=dict(type='str'),
        max_age_overrides=dict(type='dict', default={}),
        allow_empty=dict(type='bool', default=False),
        protection_horizon=dict(type='str', default=compliance.DEFAULT_PROTECTION_HORIZON),
        page_size=dict(type='int', default=500),
        history=dict(type='str', default=compliance.DEFAULT_HISTORY),
    )


def run_compliance_module():
    """session_compliance_info: check the options, log on once, gather, log out, judge, exit with ``report``."""
    spec = connection_argument_spec()
    spec.update(compliance_argument_spec())
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    _require_libraries(module)
    params = module.params
    problem, named = connection_problem(params)
    if not problem and params['page_size'] < 1:
        problem = 'page_size: must be at least 1, got %d' % params['page_size']
    options = None
    if not problem:
        try:
            options = compliance.Options.from_params(params)
        except ValueError as exc:
            problem = str(exc)
    if problem:
        fail_input(module, problem, named)

    try:
        with client_from_params(params, module.warn) as em:
            data = gather(em, options, page_size=params['page_size'])
            em_name = params.get('host') or em.host_name
        report = compliance.build_report(data, options, em=em_name)
    except errors.EMError as exc:
        fail_em(module, exc)
    except ValueError as exc:  # NoDataError, or a value EM sent that could not be read
        fail_input(module, str(exc))
    module.exit_json(changed=False, report=report)


def _require_libraries(module):
    for library, available, error in (('requests', em_client.HAS_REQUESTS, em_client.REQUESTS_IMPORT_ERROR),
                                      ('xmltodict', wire.HAS_XMLTODICT, wire.XMLTODICT_IMPORT_ERROR)):
        if not available:
            module.fail_json(msg=missing_required_lib(library), exception=error)


def logon_session_argument_spec():
    spec = connection_argument_spec()
    spec['state'] = dict(type='str', default='present', choices=['present', 'absent'])
    return spec


def run_logon_session_module():
    """``state: present`` logs on and hands the logon session over; ``state: absent`` logs a session out."""
    module = AnsibleModule(argument_spec=logon_session_argument_spec(), supports_check_mode=True)
    _require_libraries(module)
    params = module.params
    present = params['state'] == 'present'
    if present and params.get('session'):
        fail_input(module, 'session: only with state=absent; state=present opens a new logon session from host, '
                           'username and password')
    if not present and not params.get('session'):
        fail_input(module, 'session: required with state=absent (the session state=present returned)')
    problem, options = connection_problem(params)
    if problem:
        fail_input(module, problem, options)
    try:
        if present:
            with client_from_params(params, module.warn) as em:
                token, session_id = em.handover()
                session = dict(url=em.base_url, token=token, session_id=session_id,
                               validate_certs=params['validate_certs'], ca_path=params['ca_path'])
            module.exit_json(changed=False, session=session)
        # Never a fresh logon to log out: a session EM refuses has already ended.
        session_id = params['session']['session_id'].strip()
        with client_from_params(dict(params, username=None, password=None), module.warn) as em:
            try:
                em.request('DELETE', '/logonSessions/%s' % quote(session_id, safe=''), expected=(200, 202, 204))
                logged_out = True
            except (errors.EMAuthenticationError, errors.EMNotFoundError):
                logged_out = False
    except errors.EMError as exc:
        fail_em(module, exc)
    except ValueError as exc:
        fail_input(module, str(exc))
    module.exit_json(changed=False, logged_out=logged_out)
