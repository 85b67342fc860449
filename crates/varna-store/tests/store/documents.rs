//! Frozen documents on both backends: the anmälan registered as sent is
//! rendered, kept and named by SHA-256 in the sending event; it comes back
//! byte for byte after the case changes, a rebuild leaves it alone, and a
//! kept file changed or deleted beside the log is caught per case and for
//! the whole store.

use varna_store::CaseId;
use varna_workflow::Role;

use crate::support::*;

on_both_backends!(a_frozen_anmalan_is_kept_unchanged_and_tampering_with_it_is_caught,);

/// A lex Sarah case taken to "anmäld": the anmälan is frozen.
async fn reported(h: &Harness) -> CaseId {
    let id = acknowledged_lex_sarah(&h.store, 1).await;
    take(
        &h.store,
        &id,
        Role::Sas,
        transition(
            "propose_early_anmalan",
            fields(&[
                ("anmalan_grounds", text("serious_missforhallande")),
                ("seriousness_reasons", text("Brukaren utsattes för fara")),
            ]),
        ),
        2,
    )
    .await;
    take(
        &h.store,
        &id,
        Role::Committee,
        transition(
            "decide_ivo_anmalan",
            fields(&[("decision_motivation", text("Allvarligt"))]),
        ),
        3,
    )
    .await;
    take(
        &h.store,
        &id,
        Role::Sas,
        transition(
            "register_ivo_anmalan",
            fields(&[
                ("anmalan_sent_on", text("2026-03-02")),
                ("anmalan_channel", text("post")),
            ]),
        ),
        4,
    )
    .await;
    id
}

async fn a_frozen_anmalan_is_kept_unchanged_and_tampering_with_it_is_caught(h: Harness) {
    let id = reported(&h).await;
    let other = reported(&h).await;
    let frozen = h
        .store
        .frozen_document(&id, "anmalan")
        .await
        .expect("reads")
        .expect("frozen by the sending");
    assert!(frozen.content.starts_with(b"%PDF-"));
    assert_eq!(
        frozen.digest,
        varna_store::chain::content_digest(&frozen.content)
    );
    let case = h.store.case(&id).await.expect("reads").expect("exists");
    assert_eq!(case.case.documents["anmalan"].digest, frozen.digest);
    assert_eq!(
        h.store
            .changed_since_frozen(&id, &case.case, "anmalan")
            .await
            .expect("renders"),
        Some(false)
    );

    // The case changes in what the anmälan shows; the kept file does not.
    take(&h.store, &id, Role::Sas, entry("what_happened"), 5).await;
    let after = h
        .store
        .frozen_document(&id, "anmalan")
        .await
        .expect("reads")
        .expect("still there");
    assert_eq!(after.content, frozen.content);
    let changed = h.store.case(&id).await.expect("reads").expect("exists");
    assert_eq!(
        h.store
            .changed_since_frozen(&id, &changed.case, "anmalan")
            .await
            .expect("renders"),
        Some(true)
    );
    // A rebuild of the read tables leaves the kept files and their check alone.
    h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(check.agrees(), "{check:?}");
    assert_eq!(check.documents.intact, 2);

    // Swapped for another case's file: both chains still verify.
    h.exec(&format!(
        "UPDATE document SET content = (SELECT d.content FROM document d WHERE d.case_id = '{other}') \
         WHERE case_id = '{id}'"
    ))
    .await;
    assert_intact(&h.store).await;
    assert_eq!(
        h.store.check_case(&id).await.expect("checks"),
        ["documents"]
    );
    assert!(h.store.check_case(&other).await.expect("checks").is_empty());
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(!check.agrees());
    assert_eq!((check.documents.intact, check.documents.changed), (1, 1));

    // Deleted: the event still names it.
    h.exec(&format!("DELETE FROM document WHERE case_id = '{other}'"))
        .await;
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert_eq!((check.documents.intact, check.documents.changed), (0, 2));
    assert_eq!(
        h.store
            .frozen_document(&other, "anmalan")
            .await
            .expect("reads"),
        None
    );
}
