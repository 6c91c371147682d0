"""`reports summary --html FILE`: one self-contained page (inline CSS and SVG, no script, no fetch).

Charts: messages per day (passing / failing DMARC), DMARC pass rate per day, top sources; tables:
source groups, readiness, findings with fixes, TLS failures per MX and policy type. Every text
from reports is escaped.
"""

from __future__ import annotations

from html import escape

from inboxready.reports.model import DayVolume, SourceGroup, SourceStats, Summary

_W, _H, _PAD = 720, 220, 40
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#1c1c1c;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.kpi{display:flex;gap:1rem;flex-wrap:wrap}.kpi div{background:#f4f6f8;border-radius:6px;padding:.6rem 1rem}
.kpi b{display:block;font-size:1.4rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.error{color:#b00020}.warning{color:#9a6700}
.info{color:#0b5cad}.fix{color:#1a7f37}svg text{font-size:11px;fill:#555}.muted{color:#777}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _volume_chart(days: tuple[DayVolume, ...]) -> str:
    if not days:
        return "<p class=muted>No aggregate reports in this selection.</p>"
    peak = max(d.messages for d in days) or 1
    step = (_W - 2 * _PAD) / len(days)
    bars = []
    for i, d in enumerate(days):
        x = _PAD + i * step
        h_pass = (_H - 2 * _PAD) * d.dmarc_pass / peak
        h_fail = (_H - 2 * _PAD) * (d.messages - d.dmarc_pass) / peak
        y_pass = _H - _PAD - h_pass
        bars.append(f'<rect x="{x:.1f}" y="{y_pass:.1f}" width="{max(step - 2, 1):.1f}" height="{h_pass:.1f}" '
                    f'fill="#2da44e"><title>{d.day}: {d.dmarc_pass} passing</title></rect>')
        bars.append(f'<rect x="{x:.1f}" y="{y_pass - h_fail:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{h_fail:.1f}" fill="#cf222e"><title>{d.day}: {d.messages - d.dmarc_pass} failing'
                    '</title></rect>')
    labels = (f'<text x="{_PAD}" y="{_H - 10}">{days[0].day}</text>'
              f'<text x="{_W - _PAD}" y="{_H - 10}" text-anchor="end">{days[-1].day}</text>'
              f'<text x="4" y="{_PAD}">{peak}</text>')
    return (f'<svg role="img" aria-label="messages per day" viewBox="0 0 {_W} {_H}" width="100%">'
            f'{"".join(bars)}{labels}</svg>')


def _rate_chart(days: tuple[DayVolume, ...]) -> str:
    points = [(i, d.dmarc_pass / d.messages) for i, d in enumerate(days) if d.messages]
    if not points:
        return ""
    step = (_W - 2 * _PAD) / max(len(days) - 1, 1)
    coords = " ".join(f"{_PAD + i * step:.1f},{_H - _PAD - (_H - 2 * _PAD) * rate:.1f}" for i, rate in points)
    grid = "".join(
        f'<line x1="{_PAD}" x2="{_W - _PAD}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
        f'<text x="4" y="{y + 4:.1f}">{label}</text>'
        for y, label in ((_PAD, "100%"), (_H / 2, "50%"), (_H - _PAD, "0%"))
    )
    return (f'<svg role="img" aria-label="DMARC pass rate per day" viewBox="0 0 {_W} {_H}" width="100%">{grid}'
            f'<polyline points="{coords}" fill="none" stroke="#0969da" stroke-width="2"/></svg>')


def _sources_chart(sources: tuple[SourceStats, ...], top: int = 10) -> str:
    busiest = sources[:top]
    if not busiest:
        return ""
    peak = busiest[0].messages or 1
    row, label_w = 22, 260
    bars = []
    for i, s in enumerate(busiest):
        y = i * row + 4
        width = (_W - label_w - 60) * s.messages / peak
        passing = width * s.pass_rate
        name = escape(s.sender or s.ptr or "unknown")
        bars.append(
            f'<text x="0" y="{y + 14}">{escape(s.ip)} · {name[:30]}</text>'
            f'<rect x="{label_w}" y="{y}" width="{passing:.1f}" height="16" fill="#2da44e"/>'
            f'<rect x="{label_w + passing:.1f}" y="{y}" width="{width - passing:.1f}" height="16" fill="#cf222e"/>'
            f'<text x="{label_w + width + 4:.1f}" y="{y + 14}">{s.messages}</text>'
        )
    return (f'<svg role="img" aria-label="top sources" viewBox="0 0 {_W} {len(busiest) * row + 8}" width="100%">'
            f'{"".join(bars)}</svg>')


def _groups_table(summary: Summary) -> str:
    rows = []
    for group in SourceGroup:
        for s in summary.group(group)[:15]:
            rows.append(
                f"<tr><td>{escape(group.value)}</td><td>{escape(s.ip)}</td><td>{escape(s.ptr or '')}</td>"
                f"<td>{escape(s.sender or '')}</td><td class=n>{s.messages}</td><td class=n>"
                f"{_pct(s.dmarc_pass, s.messages)}</td><td class=n>{_pct(s.spf_aligned, s.messages)}</td>"
                f"<td class=n>{_pct(s.dkim_aligned, s.messages)}</td></tr>"
            )
    head = ("<tr><th>group</th><th>IP</th><th>reverse name</th><th>sender</th><th class=n>messages</th>"
            "<th class=n>DMARC pass</th><th class=n>SPF aligned</th><th class=n>DKIM aligned</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _readiness(summary: Summary) -> str:
    rows = "".join(
        f"<tr><td>{escape(r.domain)}</td><td>p={escape(r.policy or 'none')}</td>"
        f"<td>{'p=' + escape(r.next_policy) if r.next_policy else 'enforced'}</td>"
        f"<td>{'yes' if r.ready else 'not yet'}</td><td class=n>{_pct(r.legitimate_pass, r.legitimate_messages)}</td>"
        f"<td class=n>{r.hurt_messages}</td><td class=n>{r.unauthorized_messages}</td></tr>"
        for r in summary.readiness
    )
    head = ("<tr><th>domain</th><th>now</th><th>next step</th><th>ready</th><th class=n>legitimate passing</th>"
            "<th class=n>would hurt</th><th class=n>unauthorized</th></tr>")
    return f"<table>{head}{rows}</table>"


def _findings(summary: Summary) -> str:
    items = "".join(
        f'<li><b class="{f.severity.value}">{escape(f.code)}</b> {escape(f.subject)}: {escape(f.message)}'
        + (f'<div class=fix>fix: {escape(f.fix)}</div>' if f.fix else "") + "</li>"
        for f in summary.findings
    )
    return f"<ul>{items}</ul>" if items else "<p class=muted>No findings.</p>"


def _tls(summary: Summary) -> str:
    if not summary.tls_failures and not summary.tls_policies:
        return "<p class=muted>No SMTP TLS reports in this selection.</p>"
    rows = "".join(
        f"<tr><td>{escape(f.policy_domain)}</td><td>{escape(f.policy_type)}</td><td>{escape(f.receiving_mx_hostname)}"
        f"</td><td>{escape(f.result_type)}</td><td class=n>{f.failed_sessions}</td></tr>"
        for f in summary.tls_failures[:50]
    )
    head = "<tr><th>domain</th><th>policy</th><th>MX host</th><th>result</th><th class=n>failed sessions</th></tr>"
    return f"<table>{head}{rows}</table>"


def render_summary_html(summary: Summary, title: str = "inboxready: DMARC and TLS reports") -> str:
    kpis = (
        f"<div><b>{summary.reports}</b>aggregate reports</div><div><b>{summary.messages}</b>messages</div>"
        f"<div><b>{_pct(summary.dmarc_pass, summary.messages)}</b>pass DMARC</div>"
        f"<div><b>{summary.tls_reports}</b>TLS reports</div><div><b>{summary.failure_reports}</b>failure reports</div>"
        f"<div><b>{summary.quarantined}</b>quarantined</div>"
    )
    scope = escape(summary.domain or "all domains")
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<meta name=viewport content='width=device-width'><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p class=muted>{scope}</p><div class=kpi>{kpis}</div>"
        f"<h2>Messages per day</h2>{_volume_chart(summary.timeline)}"
        f"<h2>DMARC pass rate</h2>{_rate_chart(summary.timeline)}"
        f"<h2>Top sources</h2>{_sources_chart(summary.sources)}"
        f"<h2>Findings</h2>{_findings(summary)}"
        f"<h2>Readiness for enforcement</h2>{_readiness(summary)}"
        f"<h2>Sources by group</h2>{_groups_table(summary)}"
        f"<h2>SMTP TLS failures</h2>{_tls(summary)}"
        "</body></html>\n"
    )
