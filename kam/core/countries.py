"""ISO 3166-1 alpha-2 country codes (the officially assigned ones), kept here so that no
validation needs the network. Postal codes are checked for Germany, where every one has five
digits."""

import re

COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

_GERMAN_POSTAL_CODE = re.compile(r"\d{5}")


def is_country_code(code: str) -> bool:
    return code in COUNTRY_CODES


def is_postal_code(postal_code: str, country: str) -> bool:
    """German postal codes have five digits; elsewhere any code of letters, digits, spaces and
    hyphens up to 10 characters (UK "SW1A 1AA", NL "1012 AB", PL "00-950")."""
    if country == "DE":
        return bool(_GERMAN_POSTAL_CODE.fullmatch(postal_code))
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{0,9}", postal_code))
