-- pandoc Lua filter for tools/guides_to_rst.py: turns one Markdown guide of docs/ into an extra-docs page of the
-- docsite (docs/docsite/rst/<page>.rst). Metadata: page (this guide's name), guides (the names of all guides),
-- repository (https://github.com/<owner>/<repo>).
--   * every heading gets an RST label antsibull-docs accepts: ansible_collections.veeam.enterprise_manager.docsite.
--     <page>.<GitHub anchor>; the first level-1 heading gets <prefix><page>, the page's own label;
--   * links to another guide (x.md, x.md#anchor, #anchor) become :ref: to those labels;
--   * links to the generated module and role pages (modules/x.md, roles/x.md) become :ansplugin: references;
--   * other relative links (examples, the README, the simulator) become links to the file on GitHub.

local prefix = 'ansible_collections.veeam.enterprise_manager.docsite.'
local collection = 'veeam.enterprise_manager'
local page, repository
local guides = {}
local titled = false

local function escape_title(text)
  return (text:gsub('\\', '\\\\'):gsub('`', ''):gsub('<', '\\<'):gsub('>', '\\>'))
end

-- A title that is only a file name (`[reports.md](reports.md)`) gives way to the target's own title.
local function role(name, title, target)
  if title:match('%.md$') or title:match('%.md#') then
    return pandoc.RawInline('rst', ':' .. name .. ':`' .. target .. '`')
  end
  return pandoc.RawInline('rst', ':' .. name .. ':`' .. escape_title(title) .. ' <' .. target .. '>`')
end

local function read_meta(meta)
  page = pandoc.utils.stringify(meta.page)
  repository = pandoc.utils.stringify(meta.repository)
  for _, guide in ipairs(meta.guides) do
    guides[pandoc.utils.stringify(guide)] = true
  end
end

local function label(el)
  local name
  if el.level == 1 and not titled then
    titled = true
    name = prefix .. page
  else
    name = prefix .. page .. '.' .. el.identifier
  end
  el.identifier = ''
  return { pandoc.RawBlock('rst', '.. _' .. name .. ':\n'), el }
end

-- docs/<dir>/../x -> x, for a link relative to docs/.
local function from_docs(path)
  local parts = {}
  for part in ('docs/' .. path):gmatch('[^/]+') do
    if part == '..' then
      table.remove(parts)
    elseif part ~= '.' then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, '/')
end

local function link(el)
  local target = el.target
  if target:match('^%a[%w+.-]*:') then -- http:, https:, mailto:
    return nil
  end
  local title = pandoc.utils.stringify(el.content)
  local path, anchor = target:match('^([^#]*)#?(.*)$')
  if path == '' then
    return role('ref', title, prefix .. page .. '.' .. anchor)
  end
  local guide = path:match('^([%w_-]+)%.md$')
  if guide and guides[guide] then
    return role('ref', title, prefix .. guide .. (anchor ~= '' and ('.' .. anchor) or ''))
  end
  if path == 'index.md' then
    return role('ref', title, 'plugins_in_' .. collection)
  end
  local module = path:match('^modules/([%w_]+)%.md$')
  if module then
    return role('ansplugin', title, collection .. '.' .. module .. '#module')
  end
  local rolename = path:match('^roles/([%w_]+)%.md$')
  if rolename then
    return role('ansplugin', title, collection .. '.' .. rolename .. '#role')
  end
  local kind = path:match('/$') and 'tree' or 'blob'
  el.target = repository .. '/' .. kind .. '/main/' .. from_docs(path) .. (anchor ~= '' and ('#' .. anchor) or '')
  return el
end

return {
  { Meta = read_meta },
  { Header = label, Link = link },
}
