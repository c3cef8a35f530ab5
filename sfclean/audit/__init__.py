"""The audit: every way an org's duplicate rules fail silently.

``codescan`` (pure, no org access) finds code that saves duplicates on purpose: Apex
``DuplicateRuleHeader.allowSave = true``, REST ``Sforce-Duplicate-Rule-Header: allowSave=true``,
SOAP ``DuplicateRuleHeader``; ``lexers`` splits source text into tokens and comments for it.
The audit stage itself (reading an org's rules, users and code) will sit beside them.
"""
