"""Schemathesis hooks for fuzzing Varna's GraphQL endpoint
(tools/robustness.sh sets SCHEMATHESIS_HOOKS=tools.fuzz_hooks).

A refusal is a GraphQL error with a code (INVALID_INPUT, NOT_FOUND,
FORBIDDEN, GUARD_FAILED, …) and is the right answer to bad input, so the
check here is stricter about what matters and looser about what does not:
never an HTTP 5xx, never an INTERNAL error, and every error carries a
code. Values for the custom scalars JSON, DateTime and NaiveDate mix
valid and invalid literals.
"""
import schemathesis
from graphql import BooleanValueNode, IntValueNode, StringValueNode
from hypothesis import strategies as st

schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.text(max_size=40).map(lambda s: StringValueNode(value=s)),
        st.integers(-(2**40), 2**40).map(lambda n: IntValueNode(value=str(n))),
        st.booleans().map(lambda b: BooleanValueNode(value=b)),
    ),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.sampled_from(
            ["2026-01-01T00:00:00Z", "1900-02-29T25:61:00Z", "", "9999-12-31T23:59:59+14:00"]
        ),
        st.text(max_size=30),
    ).map(lambda s: StringValueNode(value=s)),
)

schemathesis.graphql.scalar(
    "NaiveDate",
    st.one_of(
        st.sampled_from(["2026-01-12", "2026-02-30", "12/01/2026", ""]),
        st.text(max_size=12),
    ).map(lambda s: StringValueNode(value=s)),
)


@schemathesis.check
def varna_refuses_cleanly(ctx, response, case):
    assert response.status_code < 500, f"HTTP {response.status_code}"
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL", f"an internal error: {error.get('message')}"
        assert code or error.get("locations"), f"an error without a code: {error.get('message')}"
