"""eSputnik tests share the default data of fixtures/esputnik.yaml:

organisation 734521 "Acme Shop" with contacts 100000001 (Olena, cust-1001, uk, segments
Subscribers+VIP), 100000002 (John, cust-1002), 100000003 (Maria, VIP), 100000004 (Taras, SMS
only, uk) and 40 generated subscribers (ids 100000005-100000044); segments 200101
Subscribers, 200102 VIP (static), 200103 Ukrainian speakers (dynamic), 200104 VIP or
Ukrainian (combined); custom fields 15867-15871; categories news, promo, tips. Organisation
734999 is a second tenant with its own key.
"""
