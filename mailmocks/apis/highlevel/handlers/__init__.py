"""HighLevel's operations, one module per area of its docs (docs/vendors/highlevel.md §0):

    blogs.py      Blogs: sites, posts, url slugs, categories, authors (B1-B7)
    emails.py     Emails before v3: the template builder and the email schedule (E1-E5)
    emails_v3.py  the v3 Email API: templates, email campaigns, statistics, workflow
                  campaigns and bulk actions (§5.6)

Each handler is named after its operationId and marked `@op(...)`; `HighLevelApi` lists
the modules in `handler_modules`.
"""
