/// `GET /docs`: an API explorer for `/openapi.json`. Self-contained (inline CSS and plain JavaScript, no CDN)
/// because the simulator is often run where there is no internet, and a Swagger UI bundle would be megabytes.
enum DocsPage {
    static let html = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>K8S Simulator — ECP-AI API</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #1d2430; }
header { background: #1d2430; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; opacity: .8; font-size: 14px; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 24px 48px; }
.tag { margin-top: 24px; font-size: 16px; text-transform: uppercase; letter-spacing: .05em; color: #5a6577; }
details { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; margin: 8px 0; }
summary { cursor: pointer; padding: 10px 12px; display: flex; gap: 12px; align-items: center; }
.method { font-weight: 700; font-size: 12px; padding: 3px 8px; border-radius: 4px; color: #fff; min-width: 52px; text-align: center; }
.get { background: #2f7ed8; } .post { background: #2e9e5b; } .delete { background: #d0463b; } .put, .patch { background: #c98a14; }
.path { font-family: ui-monospace, Menlo, monospace; font-weight: 600; }
.summary { color: #5a6577; font-size: 14px; }
.body { padding: 0 16px 16px; border-top: 1px solid #eef0f3; }
pre { background: #f3f5f8; padding: 10px; border-radius: 4px; overflow: auto; font-size: 12px; }
textarea, input { font-family: ui-monospace, Menlo, monospace; font-size: 12px; width: 100%; box-sizing: border-box; }
textarea { min-height: 140px; }
button { margin-top: 8px; padding: 6px 14px; border: 0; border-radius: 4px; background: #1d2430; color: #fff; cursor: pointer; }
label { display: block; font-size: 13px; margin-top: 8px; }
.status { font-weight: 600; }
h4 { margin: 14px 0 4px; font-size: 14px; }
</style>
</head>
<body>
<header><h1 id="title">K8S Simulator API</h1><p id="desc">Loading /openapi.json…</p></header>
<main id="ops"></main>
<script>
(function () {
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function pretty(value) { return JSON.stringify(value, null, 2); }
  function resolve(spec, schema) {
    if (schema && schema.$ref) { return spec.components.schemas[schema.$ref.split('/').pop()] || {}; }
    return schema || {};
  }
  function render(spec) {
    document.getElementById('title').textContent = spec.info.title + ' ' + spec.info.version;
    document.getElementById('desc').textContent = spec.info.description || '';
    var ops = document.getElementById('ops');
    var byTag = {};
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'other';
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    Object.keys(byTag).forEach(function (tag) {
      ops.appendChild(el('h2', { 'class': 'tag', text: tag }));
      byTag[tag].forEach(function (entry) { ops.appendChild(operation(spec, entry)); });
    });
  }
  function operation(spec, entry) {
    var op = entry.op, body = el('div', { 'class': 'body' });
    if (op.description) body.appendChild(el('p', { text: op.description }));
    var inputs = {};
    (op.parameters || []).forEach(function (p) {
      var input = el('input', { placeholder: p.example !== undefined ? String(p.example) : '' });
      if (p.example !== undefined && p.required) input.value = String(p.example);
      inputs[p.name] = { param: p, input: input };
      body.appendChild(el('label', { text: p.name + ' (' + p['in'] + (p.required ? ', required' : '') + ')' + (p.description ? ' — ' + p.description : '') }, [input]));
    });
    var textarea = null;
    if (op.requestBody) {
      var media = op.requestBody.content['application/json'] || {};
      body.appendChild(el('h4', { text: 'Request body' }));
      textarea = el('textarea');
      textarea.value = media.example ? pretty(media.example) : '{}';
      body.appendChild(textarea);
    }
    var output = el('pre', { text: '' });
    var statusLine = el('div', { 'class': 'status' });
    var isWebSocket = entry.path.indexOf('/ws/') === 0;
    if (!isWebSocket) {
      var button = el('button', { text: 'Send' });
      button.addEventListener('click', function () { send(entry, inputs, textarea, statusLine, output); });
      body.appendChild(button);
      body.appendChild(statusLine);
      body.appendChild(output);
    }
    Object.keys(op.responses || {}).forEach(function (code) {
      var r = op.responses[code];
      body.appendChild(el('h4', { text: 'Response ' + code + ' — ' + (r.description || '') }));
      var media = r.content && (r.content['application/json'] || r.content['text/html']);
      if (media && media.example !== undefined) body.appendChild(el('pre', { text: pretty(media.example) }));
      else if (media && media.schema) body.appendChild(el('pre', { text: pretty(resolve(spec, media.schema)) }));
    });
    return el('details', {}, [
      el('summary', {}, [el('span', { 'class': 'method ' + entry.method, text: entry.method.toUpperCase() }),
                         el('span', { 'class': 'path', text: entry.path }), el('span', { 'class': 'summary', text: op.summary || '' })]),
      body]);
  }
  function send(entry, inputs, textarea, statusLine, output) {
    var path = entry.path, query = [];
    Object.keys(inputs).forEach(function (name) {
      var value = inputs[name].input.value, where = inputs[name].param['in'];
      if (where === 'path') path = path.replace('{' + name + '}', encodeURIComponent(value));
      else if (where === 'query' && value !== '') query.push(encodeURIComponent(name) + '=' + encodeURIComponent(value));
    });
    var url = path + (query.length ? '?' + query.join('&') : '');
    var init = { method: entry.method.toUpperCase(), headers: {} };
    if (textarea) { init.body = textarea.value; init.headers['Content-Type'] = 'application/json'; }
    statusLine.textContent = init.method + ' ' + url + ' …';
    fetch(url, init).then(function (response) {
      statusLine.textContent = init.method + ' ' + url + ' → ' + response.status;
      return response.text();
    }).then(function (text) {
      try { output.textContent = pretty(JSON.parse(text)); } catch (e) { output.textContent = text; }
    }).catch(function (error) { statusLine.textContent = 'request failed: ' + error; });
  }
  fetch('/openapi.json').then(function (r) { return r.json(); }).then(render).catch(function (error) {
    document.getElementById('desc').textContent = 'could not load /openapi.json: ' + error;
  });
})();
</script>
</body>
</html>
"""##
}
