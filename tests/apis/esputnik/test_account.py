"""eSputnik account info (§1.1): the call the docs use to test a key.

Facts: docs/vendors/esputnik.md (sections quoted as §n, decisions as D-n).
"""
from __future__ import annotations

from mailmocks.testing.esputnik import Mock as EsputnikMock


def test_account_info_names_the_organisation(esputnik_mock: EsputnikMock) -> None:
    info = esputnik_mock.client().get_account_info()
    assert info == {"userEmail": "api-user734521", "organisationName": "Acme Shop",
                    "orgId": 734521}
