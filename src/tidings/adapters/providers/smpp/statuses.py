"""SMPP command statuses: their names, and which error each one is for tidings.

ESME_RTHROTTLED, ESME_RMSGQFUL        slow down: the same part is sent again after a pause
address, content and parameter errors  Permanent: sending it again cannot succeed
a bind refused for its credentials     Permanent: the settings are wrong
anything else (ESME_RSYSERR, unknown)  Transient: worth trying again later
"""

from __future__ import annotations

from typing import Final

import smpplib.consts as c

from tidings.domain.errors import Permanent, ProviderError, Transient

ROK: Final = c.SMPP_ESME_ROK
# A temporary error of ours: the SMSC keeps the deliver_sm and delivers it again later.
TEMPORARY_APP_ERROR: Final = c.SMPP_ESME_RX_T_APPN

NAMES: Final[dict[int, str]] = {
    value: name.removeprefix("SMPP_")
    for name, value in vars(c).items()
    if name.startswith("SMPP_ESME_") and isinstance(value, int)
}
THROTTLED: Final = frozenset({c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL})
PERMANENT: Final = frozenset(
    {
        c.SMPP_ESME_RINVMSGLEN,
        c.SMPP_ESME_RINVCMDLEN,
        c.SMPP_ESME_RINVCMDID,
        c.SMPP_ESME_RINVPRTFLG,
        c.SMPP_ESME_RINVREGDLVFLG,
        c.SMPP_ESME_RINVSRCADR,
        c.SMPP_ESME_RINVDSTADR,
        c.SMPP_ESME_RINVSERTYP,
        c.SMPP_ESME_RINVESMCLASS,
        c.SMPP_ESME_RINVSRCTON,
        c.SMPP_ESME_RINVSRCNPI,
        c.SMPP_ESME_RINVDSTTON,
        c.SMPP_ESME_RINVDSTNPI,
        c.SMPP_ESME_RINVSCHED,
        c.SMPP_ESME_RINVEXPIRY,
        c.SMPP_ESME_RINVDFTMSGID,
        c.SMPP_ESME_RX_P_APPN,
        c.SMPP_ESME_RX_R_APPN,
        c.SMPP_ESME_RINVOPTPARSTREAM,
        c.SMPP_ESME_ROPTPARNOTALLWD,
        c.SMPP_ESME_RINVPARLEN,
        c.SMPP_ESME_RMISSINGOPTPARAM,
        c.SMPP_ESME_RINVOPTPARAMVAL,
    }
)
BAD_CREDENTIALS: Final = frozenset(
    {c.SMPP_ESME_RINVPASWD, c.SMPP_ESME_RINVSYSID, c.SMPP_ESME_RINVSYSTYP}
)


def describe(status: int) -> str:
    """`ESME_RINVDSTADR (0x0000000B)`: a status by its name and number."""
    return f"{NAMES.get(status, 'unknown status')} (0x{status & 0xFFFFFFFF:08X})"


def submit_refused(status: int) -> ProviderError:
    """The error for a submit_sm the SMSC refused with `status` (not a throttle)."""
    kind = Permanent if status in PERMANENT else Transient
    return kind(f"the SMSC refused the message: {describe(status)}")


def bind_refused(status: int) -> ProviderError:
    """The error for a bind the SMSC refused with `status`."""
    kind = Permanent if status in BAD_CREDENTIALS else Transient
    return kind(f"the SMSC refused the bind: {describe(status)}")
