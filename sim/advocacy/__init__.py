"""The advocates' questions (issue 13): pivotal delegations, coalition value, scenario discovery, robustness, and
the rule-17(2) brief that puts them on a page.

- ``sim.advocacy.pivotal``: where one more unit of stakeholder engagement moves an outcome most (paired finite
  differences with common random numbers), and whose absence decides the COSP's consensus.
- ``sim.advocacy.coalitions``: what organisations gain by speaking jointly, and Shapley values over coalitions.
- ``sim.advocacy.discovery``: PRIM boxes (EMA workbench) over parameters x rules, and P(option A beats B).
- ``sim.advocacy.brief``: ``plenary brief cosp``, the brief itself.
"""
