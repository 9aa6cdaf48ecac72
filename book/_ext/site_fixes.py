"""Small Sphinx fixes for the course site.

sphinx-thebe registers its configuration script once per read phase, so a page can carry the same
``const THEBE_JS_URL`` declaration twice, which the browser reports as an error. Each script is kept
once, in its first position.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The same script may be registered once with filename None and once with "".
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: it is the builder's own list


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after the extensions that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
