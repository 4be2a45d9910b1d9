/*
 * route-docs.c -- the API described: /openapi.json from the route table,
 * and /docs, one self-contained page (no outside scripts or fonts) that
 * lists every route and sends requests with a token the user types in.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkrd.h"
#include "util.h"

static const char *const role_names[] = {
	[ROLE_PUBLIC] = "public",
	[ROLE_VIEWER] = "viewer",
	[ROLE_ONCALL] = "oncall",
	[ROLE_SRE_LEAD] = "sre-lead"
};

/* The {name} segments of a pattern as OpenAPI path parameters. */
static json_t *
path_params(const char *pattern)
{
	json_t		*list = json_array();
	const char	*p = pattern, *e;
	char		 name[64];

	while ((p = strchr(p, '{')) != NULL && (e = strchr(p, '}')) != NULL) {
		snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, "
		    "s:{s:s}}", "name", name, "in", "path", "required", 1,
		    "schema", "type", "string"));
		p = e + 1;
	}
	return list;
}

/* GET /openapi.json: every route of the table. */
void
route_openapi(struct request *req, struct reply *rep)
{
	const struct route	*r;
	json_t			*paths, *item, *op, *ex;
	char			 method[16];
	size_t			 i, k;

	(void)req;
	paths = json_object();
	for (i = 0; i < nroutes; i++) {
		r = &routes[i];
		if ((item = json_object_get(paths, r->pattern)) == NULL) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		for (k = 0; r->method[k] != '\0' && k + 1 < sizeof method; k++)
			method[k] = (char)(r->method[k] | 0x20);
		method[k] = '\0';
		op = json_pack("{s:s, s:s, s:o, s:{s:{s:s}, s:{s:s}, s:{s:s}}}",
		    "summary", r->summary,
		    "description", r->role == ROLE_PUBLIC ? "No token needed." :
		    role_names[r->role],
		    "parameters", path_params(r->pattern),
		    "responses",
		    "200", "description", "the answer",
		    "401", "description", "no token, or a wrong one",
		    "403", "description", "the token's role is too weak");
		if (r->role != ROLE_PUBLIC) {
			json_object_set_new(op, "security", json_pack("[{s:[]}]",
			    "bearer"));
			json_object_set_new(op, "x-tinkr-role",
			    json_string(role_names[r->role]));
		}
		if (r->example != NULL && (ex = json_loads(r->example, 0,
		    NULL)) != NULL)
			json_object_set_new(op, "requestBody", json_pack("{s:b, "
			    "s:{s:{s:{s:s}, s:o}}}", "required", 1, "content",
			    "application/json", "schema", "type", "object",
			    "example", ex));
		json_object_set_new(item, method, op);
	}
	reply_json(rep, 200, json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, "
	    "s:{s:{s:{s:s, s:s}}}}",
	    "openapi", "3.0.3",
	    "info", "title", "Tinkr API", "version", PACKAGE_VERSION,
	    "description", "tinkrd's routes, the same on its Unix socket and "
	    "its TCP listener. Send Authorization: Bearer TOKEN on TCP.",
	    "paths", paths,
	    "components", "securitySchemes", "bearer", "type", "http",
	    "scheme", "bearer"));
}

/* The page: it reads /openapi.json and builds a form for each route. */
static const char docs_html[] =
"<!doctype html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<title>Tinkr API</title>\n"
"<style>\n"
"body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:62em;"
"padding:0 1em;color:#1b1b1b}\n"
"h1{font-size:1.5em}code,pre,textarea,input{font:13px/1.4 monospace}\n"
"details{border:1px solid #ccc;border-radius:4px;margin:.5em 0;"
"padding:.4em .8em}\n"
"summary{cursor:pointer}.m{display:inline-block;width:4.5em;"
"font-weight:bold}\n"
".GET{color:#065}.POST{color:#036}.DELETE{color:#900}\n"
".role{float:right;color:#666;font-size:.9em}\n"
"textarea{width:100%;height:5em}pre{background:#f4f4f4;padding:.6em;"
"overflow:auto;max-height:30em;white-space:pre-wrap}\n"
"</style></head><body>\n"
"<h1>Tinkr API</h1>\n"
"<p>Every route of this tinkrd. Requests go to this server with the token"
" below as <code>Authorization: Bearer</code>; it stays in this tab.</p>\n"
"<p><label>Token <input id=\"tok\" type=\"password\" size=\"60\""
" autocomplete=\"off\"></label></p>\n"
"<div id=\"routes\">Loading /openapi.json\u2026</div>\n"
"<script>\n"
"'use strict';\n"
"const tok = document.getElementById('tok');\n"
"tok.value = sessionStorage.getItem('tinkr-token') || '';\n"
"tok.addEventListener('input', () =>"
" sessionStorage.setItem('tinkr-token', tok.value));\n"
"function el(tag, attrs, text) {\n"
"  const e = document.createElement(tag);\n"
"  for (const k in attrs) e.setAttribute(k, attrs[k]);\n"
"  if (text !== undefined) e.textContent = text;\n"
"  return e;\n"
"}\n"
"async function send(method, path, body, out) {\n"
"  const h = {};\n"
"  if (tok.value) h['Authorization'] = 'Bearer ' + tok.value;\n"
"  if (body !== null) h['Content-Type'] = 'application/json';\n"
"  out.textContent = method + ' ' + path + '\u2026';\n"
"  try {\n"
"    const r = await fetch(path, {method, headers: h, body});\n"
"    out.textContent = r.status + ' ' + r.statusText + '\\n\\n' +"
" await r.text();\n"
"  } catch (e) { out.textContent = String(e); }\n"
"}\n"
"function route(path, method, op) {\n"
"  const d = el('details');\n"
"  const s = el('summary');\n"
"  s.append(el('span', {class: 'm ' + method.toUpperCase()},"
" method.toUpperCase()), el('code', {}, path), ' \u2014 ' + op.summary,"
" el('span', {class: 'role'}, op['x-tinkr-role'] || 'public'));\n"
"  d.append(s);\n"
"  const inputs = {};\n"
"  for (const p of op.parameters || []) {\n"
"    const i = el('input', {size: 30, placeholder: p.name});\n"
"    inputs[p.name] = i;\n"
"    const l = el('label', {}, p.name + ' ');\n"
"    l.append(i);\n"
"    d.append(el('p'), l);\n"
"  }\n"
"  const q = el('input', {size: 50, placeholder: 'query string,"
" e.g. profile=demo'});\n"
"  d.append(el('p'), q);\n"
"  let ta = null;\n"
"  const ex = op.requestBody &&"
" op.requestBody.content['application/json'].example;\n"
"  if (ex !== undefined || method !== 'get') {\n"
"    ta = el('textarea');\n"
"    ta.value = ex !== undefined ? JSON.stringify(ex, null, 2) : '';\n"
"    d.append(ta);\n"
"  }\n"
"  const b = el('button', {}, 'Send');\n"
"  const out = el('pre');\n"
"  b.addEventListener('click', () => {\n"
"    let p = path.replace(/\\{(\\w+)\\}/g, (m, n) =>"
" encodeURIComponent(inputs[n].value));\n"
"    if (q.value) p += '?' + q.value;\n"
"    send(method.toUpperCase(), p, ta && ta.value ? ta.value : null, out);\n"
"  });\n"
"  d.append(el('p'), b, out);\n"
"  return d;\n"
"}\n"
"fetch('/openapi.json').then(r => r.json()).then(api => {\n"
"  const box = document.getElementById('routes');\n"
"  box.textContent = '';\n"
"  for (const path in api.paths)\n"
"    for (const method in api.paths[path])\n"
"      box.append(route(path, method, api.paths[path][method]));\n"
"}).catch(e => { document.getElementById('routes').textContent ="
" 'Cannot read /openapi.json: ' + e; });\n"
"</script></body></html>\n";

/* GET /docs: the page. */
void
route_docs(struct request *req, struct reply *rep)
{
	(void)req;
	rep->status = 200;
	rep->raw = xstrdup(docs_html);
	rep->ctype = "text/html; charset=utf-8";
}
