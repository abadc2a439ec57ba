"""Reports for people from a live Prometheus: the weekly leading-indicators review and the
monthly business review (chapter 8.1.8).

Building a report is pure: `weekly.build` and `monthly.build` take the spec, the period and a
function answering `queries.Query` values (the CLI passes the HTTP client's), and return the
`Prose` to render. Every value comes from a recorded series named by `conventions`, so a report
agrees with the dashboards.
"""
