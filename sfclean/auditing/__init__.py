"""The audit's checks: every way an org's duplicate rules fail silently.

The stage itself is :func:`sfclean.audit` (``sfclean/stages/audit.py``); this package holds
one module per check family (named ``auditing`` so that no module shadows the public
function ``sfclean.audit``):

    base.py        the findings table's columns, one row from the registry, Reader
                   (a refused read becomes a ``cannot-read`` finding)
    rulesread.py   duplicate and matching rules from SOQL, the UI API and Metadata
    rules.py       checks 1-2: what an API save gets; conditions in plain words
    conditions.py  evaluating rule conditions on users
    matching.py    check 3: email matching, the coverage matrix
    users.py       check 4: API writers and their permissions
    code.py        check 5: org Apex and local code, through codescan
    codescan.py    the pure code scanner (Apex, Python, JS/TS, Java); lexers.py its lexers
    changes.py     check 6: changes since a baseline report
    render.py      text and Markdown renderings
"""
