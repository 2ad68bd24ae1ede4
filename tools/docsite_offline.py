
# ---- Appended by `make docsite` (tools/docsite_offline.py) to the conf.py that `antsibull-docs sphinx-init` wrote.
# The docsite builds offline: no intersphinx (it would download Ansible's and Python's inventories). The few
# references antsibull-docs writes into Ansible's own documentation (the common return values, the configuration
# settings, ansible.builtin plugins) become plain links to docs.ansible.com instead; any other unresolved reference
# stays a warning, which -W turns into a failure.
# pylint: disable=undefined-variable,used-before-assignment

extensions = [name for name in extensions if name != 'sphinx.ext.intersphinx']  # noqa: F821
intersphinx_mapping = {}

_ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# label: (path, title shown when the reference gives none)
_ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
    'action_plugins': ('plugins/action.html', 'Action plugins'),
}


def _ansible_docs_link(app, env, node, contnode):  # pylint: disable=unused-argument
    """Resolve a reference into Ansible's documentation to a URL on docs.ansible.com, or leave it unresolved."""
    from docutils import nodes  # pylint: disable=import-outside-toplevel

    if node.get('refdomain') != 'std' or node.get('reftype') not in ('ref', 'envvar'):
        return None
    target = node.get('reftarget', '')
    if node.get('reftype') == 'envvar':
        # E(ANSIBLE_SHOW_CUSTOM_STATS): Ansible's configuration settings document its environment variables.
        if not target.startswith('ANSIBLE_'):
            return None
        path, title = 'reference_appendices/config.html#envvar-%s' % target, target
    else:
        path, title = _ANSIBLE_LABELS.get(target, (None, None))
    if path is None and target.startswith('ansible_collections.ansible.builtin.'):
        # ansible_collections.ansible.builtin.to_nice_json_filter -> collections/ansible/builtin/to_nice_json_filter.html
        name = target[len('ansible_collections.ansible.builtin.'):]
        path, title = 'collections/ansible/builtin/%s.html' % name, 'ansible.builtin.' + name.rsplit('_', 1)[0]
    if path is None:
        return None
    reference = nodes.reference('', '', internal=False, refuri=_ANSIBLE_DOCS + path)
    reference.append(nodes.inline(title, title) if contnode.astext() == target else contnode)
    return reference


def _copy_images(app):
    """antsibull-docs copies only the guides' .rst files: copy docs/docsite/images/ beside them, where the guides'
    ``../images/<name>`` finds it (as it does on GitHub, next to docs/docsite/rst/)."""
    import os  # pylint: disable=import-outside-toplevel
    import shutil  # pylint: disable=import-outside-toplevel

    for root in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        images = os.path.join(root, 'ansible_collections', 'veeam', 'enterprise_manager', 'docs', 'docsite', 'images')
        if os.path.isdir(images):
            shutil.copytree(images, os.path.join(app.srcdir, 'images'), dirs_exist_ok=True)
            return


def setup(app):
    app.connect('missing-reference', _ansible_docs_link)
    app.connect('builder-inited', _copy_images)
