import { createHash } from 'node:crypto';
import type { Router } from 'express';

/**
 * The dashboard's stylesheet and its one script, served from this origin (the pages'
 * Content-Security-Policy allows no inline script or <style>: http/security-headers.ts).
 * Their URLs carry a hash of their content, so they are cached for good and a new version
 * is a new URL.
 */
export const DASHBOARD_CSS = `body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f5f8fa;color:#33475b}
header{background:#2d3e50;color:#fff;padding:14px 32px;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff}main{max-width:880px;margin:32px auto;padding:0 16px}
.card{background:#fff;border:1px solid #cbd6e2;border-radius:6px;padding:24px;margin-bottom:16px}
.tag{display:inline-block;border-radius:3px;padding:2px 8px;font-size:13px;font-weight:600}
.ok{background:#e5f8f6;color:#00a38d}.off{background:#fdedee;color:#d94c53}.warn{background:#fef8f0;color:#b36b00}
button,.button{background:#ff7a59;color:#fff;border:0;border-radius:3px;padding:10px 18px;font-size:14px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#33475b;border:1px solid #cbd6e2}dl{display:grid;grid-template-columns:180px 1fr;gap:8px 16px}
dt{font-weight:600}.problem{border-left:4px solid #d94c53;padding:8px 12px;background:#fdedee;margin:8px 0}
.problem.warn{border-color:#b36b00;background:#fef8f0}code{background:#eaf0f6;padding:1px 4px;border-radius:3px}
body.doc{max-width:800px;margin:32px auto;padding:0 16px;background:#fff}
`;

/** A form with data-confirm="question" asks before it submits (the Disconnect button). */
export const DASHBOARD_JS = `document.addEventListener('submit', function (e) {
  var f = e.target;
  var q = f && f.getAttribute && f.getAttribute('data-confirm');
  if (q && !window.confirm(q)) e.preventDefault();
});
`;

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

export const CSS_PATH = `/assets/kustiq-${hash(DASHBOARD_CSS)}.css`;
export const JS_PATH = `/assets/kustiq-${hash(DASHBOARD_JS)}.js`;

export function registerAssets(r: Router): void {
  const serve = (path: string, type: string, body: string) => r.get(path, (_req, res) => {
    res.set('cache-control', 'public, max-age=31536000, immutable').type(type).send(body);
  });
  serve(CSS_PATH, 'text/css', DASHBOARD_CSS);
  serve(JS_PATH, 'application/javascript', DASHBOARD_JS);
}
