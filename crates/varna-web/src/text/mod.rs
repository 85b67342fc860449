//! The interface's own words, in Swedish (the default) and English. The
//! names of case kinds, fields and states come from the workflow
//! definitions, which carry both languages. The words themselves are in
//! `sv.rs` and `en.rs`.

mod en;
mod public;
mod sv;

pub use public::PublicText;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Svenska.
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// From the language cookie; anything else is Swedish.
    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Sv,
        }
    }

    /// `sv` or `en`, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The words.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::Sv => &sv::SV,
            Lang::En => &en::EN,
        }
    }
}

/// Every fixed string of the pages.
#[derive(Debug)]
#[allow(missing_docs)] // one field per string; the Swedish value says what it is
pub struct Text {
    pub other_lang_code: &'static str,
    pub other_lang_name: &'static str,
    pub skip_to_content: &'static str,
    pub app_tagline: &'static str,
    pub nav_my_work: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_demo_intro: &'static str,
    pub sign_in_as: &'static str,
    pub sign_in_not_configured: &'static str,
    pub sign_in_oidc: &'static str,
    pub sign_in_oidc_intro: &'static str,
    pub signed_in_title: &'static str,
    pub continue_to_varna: &'static str,
    pub error_sign_in_state: &'static str,
    pub error_sign_in_failed: &'static str,
    pub my_work_title: &'static str,
    pub my_work_intro: &'static str,
    pub my_work_empty: &'static str,
    pub col_case: &'static str,
    pub col_kind: &'static str,
    pub col_state: &'static str,
    pub col_unit: &'static str,
    pub col_due: &'static str,
    pub col_waiting_for: &'static str,
    pub overdue: &'static str,
    pub no_deadline: &'static str,
    pub filter: &'static str,
    pub all: &'static str,
    pub file_intro_generic: &'static str,
    pub receipt_generic: &'static str,
    pub unit: &'static str,
    pub lagrum: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub choose: &'static str,
    pub personnummer: &'static str,
    pub personnummer_hint: &'static str,
    pub submit_file: &'static str,
    pub form_has_errors: &'static str,
    pub error_required: &'static str,
    pub receipt_title: &'static str,
    pub error_one_of: &'static str,
    /// A closing step refused because an action has no follow-up yet.
    /// The risk score's heading on the case page.
    pub risk: &'static str,
    /// Beside a risk score at or above the threshold (followed by the threshold).
    pub risk_high: &'static str,
    /// Beside a risk score below it (followed by the threshold).
    pub risk_threshold: &'static str,
    pub error_followed_up: &'static str,
    pub error_not_found: &'static str,
    pub error_invalid: &'static str,
    pub error_conflict: &'static str,
    pub error_not_now: &'static str,
    pub error_condition: &'static str,
    pub error_outcome_mismatch: &'static str,
    pub problem_empty: &'static str,
    pub problem_too_long: &'static str,
    pub problem_wrong_type: &'static str,
    pub problem_not_allowed: &'static str,
    pub problem_out_of_range: &'static str,
    pub problem_in_future: &'static str,
    pub problem_personnummer: &'static str,
    pub receipt_open_case: &'static str,
    pub event_filed: &'static str,
    pub event_entry: &'static str,
    pub event_deadline_passed: &'static str,
    /// A disposal (gallring) in the history.
    pub event_disposed: &'static str,
    pub event_linked: &'static str,
    /// History: a file was added.
    pub event_attachment: &'static str,
    pub event_imported: &'static str,
    /// History: a handläggare was named.
    pub event_assigned: &'static str,
    pub link_opened_from_this: &'static str,
    pub link_this_opened_from: &'static str,
    pub link_related: &'static str,
    pub link_duplicate_of_this: &'static str,
    pub link_this_duplicates: &'static str,
    pub duplicate_of: &'static str,
    pub duplicate_title: &'static str,
    pub duplicate_explain: &'static str,
    pub duplicate_original: &'static str,
    pub duplicate_hint: &'static str,
    pub duplicate_submit: &'static str,
    /// "Handläggare".
    pub handlaggare: &'static str,
    /// Shown when no handläggare is named.
    pub handlaggare_none: &'static str,
    /// The disclosure form's title.
    pub disclose_title: &'static str,
    /// What a disclosure does.
    pub disclose_explain: &'static str,
    /// "To whom".
    pub disclose_recipient: &'static str,
    /// "On which decision".
    pub disclose_decision: &'static str,
    /// What the decision field takes.
    pub disclose_decision_hint: &'static str,
    /// The mask choices' legend.
    pub disclose_mask: &'static str,
    /// What the mask choices mean.
    pub disclose_mask_hint: &'static str,
    /// After a field the lifecycle marks secret.
    pub disclose_secret: &'static str,
    /// Its button.
    pub disclose_submit: &'static str,
    /// The recipient or the decision is missing.
    pub disclose_missing: &'static str,
    /// The history's word for a disclosure.
    pub event_disclosed: &'static str,
    /// The naming form's title.
    pub assign_title: &'static str,
    /// What naming does.
    pub assign_explain: &'static str,
    /// Its button.
    pub assign_submit: &'static str,
    /// Nobody (or someone who cannot work the case) was chosen.
    pub assign_choose: &'static str,
    /// The person chosen is the handläggare already.
    pub assign_already: &'static str,
    /// A notice: the person was named handläggare.
    pub notice_assigned: &'static str,
    pub duplicate_not_found: &'static str,
    pub duplicate_itself: &'static str,
    pub duplicate_other_kind: &'static str,
    pub duplicate_of_duplicate: &'static str,
    pub masked: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub closed: &'static str,
    pub opened_at: &'static str,
    pub closed_at: &'static str,
    pub outcome: &'static str,
    pub reportable: &'static str,
    pub actions_title: &'static str,
    pub actions_none: &'static str,
    pub form_not_sent: &'static str,
    pub alternatives_hint: &'static str,
    pub deadlines_title: &'static str,
    pub deadline: &'static str,
    pub due: &'static str,
    pub status: &'static str,
    pub journal_title: &'static str,
    pub journal_empty: &'static str,
    pub fact: &'static str,
    pub assessment: &'static str,
    pub source: &'static str,
    pub journal_add: &'static str,
    pub topic: &'static str,
    pub entry_kind: &'static str,
    pub entry_text: &'static str,
    pub source_hint: &'static str,
    pub documented_on: &'static str,
    pub author_name: &'static str,
    pub author_title: &'static str,
    pub links_title: &'static str,
    pub fields_title: &'static str,
    pub history_title: &'static str,
    pub my_reports_title: &'static str,
    pub reported_by: &'static str,
    pub breadcrumbs: &'static str,
    pub feedback_has_come: &'static str,
    pub feedback_when_closed: &'static str,
    pub nav_access_log: &'static str,
    pub nav_log_review: &'static str,
    pub review_title: &'static str,
    pub review_intro: &'static str,
    pub review_from: &'static str,
    pub review_to: &'static str,
    pub review_show: &'static str,
    pub review_none: &'static str,
    pub review_kind: &'static str,
    pub review_reads: &'static str,
    pub review_between: &'static str,
    pub review_outside_units: &'static str,
    pub review_many_cases: &'static str,
    pub review_outside_hours: &'static str,
    pub review_record_title: &'static str,
    pub review_note: &'static str,
    pub review_note_hint: &'static str,
    pub review_record: &'static str,
    pub review_recorded: &'static str,
    pub review_done_title: &'static str,
    pub review_done_none: &'static str,
    pub review_findings: &'static str,
    pub review_note_empty: &'static str,
    pub review_csv: &'static str,
    pub nav_notices: &'static str,
    pub notices_title: &'static str,
    pub notices_intro: &'static str,
    pub notices_none: &'static str,
    pub notice_filed: &'static str,
    pub notice_step: &'static str,
    pub notice_deadline: &'static str,
    pub attachments_title: &'static str,
    pub attachments_none: &'static str,
    pub attachment_choose: &'static str,
    pub attachment_hint: &'static str,
    pub attachment_add: &'static str,
    pub attachment_too_large: &'static str,
    pub attachment_wrong_type: &'static str,
    pub attachment_empty: &'static str,
    pub attachment_refused: &'static str,
    pub draft_kept: &'static str,
    pub draft_restored: &'static str,
    pub search_text: &'static str,
    pub search_text_hint: &'static str,
    pub search_text_too_long: &'static str,
    pub work_new: &'static str,
    pub work_new_count: &'static str,
    pub work_pages: &'static str,
    pub work_showing: &'static str,
    pub work_of: &'static str,
    pub work_previous: &'static str,
    pub work_next: &'static str,
    pub review_first: &'static str,
    pub review_last: &'static str,
    pub access_title: &'static str,
    pub access_intro: &'static str,
    pub access_person: &'static str,
    pub access_person_hint: &'static str,
    pub access_user: &'static str,
    pub access_from: &'static str,
    pub access_to: &'static str,
    pub access_search: &'static str,
    pub access_count: &'static str,
    pub access_who: &'static str,
    pub access_when: &'static str,
    pub access_not_for_role: &'static str,
    pub access_purpose: &'static str,
    pub access_more: &'static str,
    pub access_bad_dates: &'static str,
    pub as_it_stood: &'static str,
    pub as_it_stood_banner: &'static str,
    pub as_it_stood_now: &'static str,
    pub status_open: &'static str,
    pub status_passed: &'static str,
    pub status_met: &'static str,
    pub status_met_late: &'static str,
    pub report_not_for_role: &'static str,
    pub status_cancelled: &'static str,
    pub nav_search: &'static str,
    pub nav_report: &'static str,
    pub search_title: &'static str,
    pub search_intro: &'static str,
    pub open_or_closed: &'static str,
    pub open_cases: &'static str,
    pub closed_cases: &'static str,
    pub unit_code: &'static str,
    pub case_number: &'static str,
    pub case_number_invalid: &'static str,
    pub opened_from: &'static str,
    pub opened_to: &'static str,
    pub search_button: &'static str,
    pub results_count: &'static str,
    pub results_count_one: &'static str,
    pub search_dates_reversed: &'static str,
    pub next_page: &'static str,
    pub error_no_such_page: &'static str,
    pub report_title: &'static str,
    pub report_intro: &'static str,
    pub year: &'static str,
    pub choose_year: &'static str,
    pub report_open: &'static str,
    pub report_csv: &'static str,
    pub audit_title: &'static str,
    pub chain_intact: &'static str,
    pub chain_broken: &'static str,
    pub projections_match: &'static str,
    pub projections_differ: &'static str,
    pub part_case: &'static str,
    pub part_journal: &'static str,
    pub part_deadlines: &'static str,
    pub part_links: &'static str,
    pub part_person: &'static str,
    pub part_documents: &'static str,
    pub documents_title: &'static str,
    pub document_frozen: &'static str,
    pub document_download_frozen: &'static str,
    pub document_changed_since: &'static str,
    pub document_unchanged_since: &'static str,
    pub document_not_frozen: &'static str,
    pub document_print: &'static str,
    pub events_checked: &'static str,
    pub access_log_title: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub role: &'static str,
    pub why: &'static str,
    pub purpose_view: &'static str,
    pub purpose_list: &'static str,
    pub purpose_command: &'static str,
    pub purpose_other: &'static str,
    pub purpose_report: &'static str,
    pub purpose_as_of: &'static str,
    pub purpose_access_log: &'static str,
    pub purpose_document: &'static str,
    pub purpose_attachment: &'static str,
    pub purpose_receipt_code: &'static str,
    pub purpose_disclosure: &'static str,
    pub purpose_archive_export: &'static str,
    pub receipt_case_number: &'static str,
    pub receipt_next: &'static str,
    pub back_to_my_work: &'static str,
    pub error_title: &'static str,
    pub error_csrf: &'static str,
    pub error_internal: &'static str,
    pub error_forbidden: &'static str,
    /// Before the texts of the legal references a step or clock rests on.
    pub legal_basis: &'static str,
    /// A step that keeps the case in its state, beside its name.
    pub stays_in_state: &'static str,
    /// Before the utredning topics a step still needs (a link to the journal form).
    pub written_in_journal: &'static str,
    /// A step refused for a topic only the utredning journal writes.
    pub error_in_journal: &'static str,
    /// Before the numbers of the actions not yet followed up.
    pub not_followed_up: &'static str,
    /// The journal entry that has no follow-up yet.
    pub not_followed_up_badge: &'static str,
    /// An entry in a list of actions to follow up that already is.
    pub followed_up_mark: &'static str,
    /// "nr" before an entry's number.
    pub number_short: &'static str,
    /// The last word of a list of alternatives.
    pub or: &'static str,
    pub entry_addresses: &'static str,
    pub entry_owner: &'static str,
    pub entry_due_on: &'static str,
    pub entry_follows_up: &'static str,
    /// Before the topics a structured part of an entry is filled in for.
    pub structured_hint: &'static str,
    pub problem_not_accepted: &'static str,
    pub problem_journal_only: &'static str,
    pub problem_no_such_entry: &'static str,
    pub org_title: &'static str,
    pub org_intro: &'static str,
    pub org_none: &'static str,
    pub org_no_units: &'static str,
    pub org_new_area_name: &'static str,
    pub org_rename: &'static str,
    pub org_code: &'static str,
    pub org_status: &'static str,
    pub org_changes_col: &'static str,
    pub org_closed_since: &'static str,
    pub org_open: &'static str,
    pub org_new_name: &'static str,
    pub org_move_to: &'static str,
    pub org_move: &'static str,
    pub org_reopen: &'static str,
    pub org_close: &'static str,
    pub org_add_unit: &'static str,
    pub org_add_area_first: &'static str,
    pub org_name: &'static str,
    pub org_code_hint: &'static str,
    pub org_area: &'static str,
    pub org_add_area: &'static str,
    pub org_history: &'static str,
    pub org_history_none: &'static str,
    pub org_what: &'static str,
    pub org_area_added: &'static str,
    pub org_area_renamed: &'static str,
    pub org_unit_added: &'static str,
    pub org_unit_renamed: &'static str,
    pub org_unit_moved: &'static str,
    pub org_unit_closed: &'static str,
    pub org_unit_reopened: &'static str,
    pub org_not_for_role: &'static str,
    pub org_saved: &'static str,
    pub nav_units: &'static str,
    pub problem_bad_code: &'static str,
    pub problem_bad_name: &'static str,
    pub problem_exists: &'static str,
    pub problem_unknown: &'static str,
    pub problem_closed: &'static str,
    pub problem_already_closed: &'static str,
    pub problem_not_closed: &'static str,
    pub problem_unchanged: &'static str,
}

/// The message for an `INVALID_INPUT` problem code from the API.
pub fn problem(t: &Text, code: Option<&str>) -> &'static str {
    match code {
        Some("EMPTY") => t.problem_empty,
        Some("TOO_LONG") => t.problem_too_long,
        Some("WRONG_TYPE") => t.problem_wrong_type,
        Some("NOT_ALLOWED") => t.problem_not_allowed,
        Some("OUT_OF_RANGE") => t.problem_out_of_range,
        Some("IN_FUTURE") => t.problem_in_future,
        Some("NOT_ACCEPTED") => t.problem_not_accepted,
        Some("JOURNAL_ONLY") => t.problem_journal_only,
        Some("NO_SUCH_ENTRY") => t.problem_no_such_entry,
        Some("BAD_CODE") => t.problem_bad_code,
        Some("BAD_NAME") => t.problem_bad_name,
        Some("EXISTS") => t.problem_exists,
        Some("UNKNOWN") => t.problem_unknown,
        Some("CLOSED") => t.problem_closed,
        Some("ALREADY_CLOSED") => t.problem_already_closed,
        Some("NOT_CLOSED") => t.problem_not_closed,
        Some("UNCHANGED") => t.problem_unchanged,
        Some("INVALID_PERSONNUMMER") => t.problem_personnummer,
        _ => t.error_invalid,
    }
}

/// A deadline's status (`open`, `passed`, `met`, `cancelled`) in words.
pub fn deadline_status(t: &Text, status: &str) -> &'static str {
    match status {
        "passed" => t.status_passed,
        "met" => t.status_met,
        "cancelled" => t.status_cancelled,
        _ => t.status_open,
    }
}

/// A part of a case's read rows (`Store::check_case`), in words.
pub fn projection_part(t: &Text, part: &str) -> &'static str {
    match part {
        "journal" => t.part_journal,
        "deadlines" => t.part_deadlines,
        "links" => t.part_links,
        "person" => t.part_person,
        "documents" => t.part_documents,
        _ => t.part_case,
    }
}

/// Why a case was read (`case_view`, `list`, `command_result`, …), in words.
pub fn purpose(t: &Text, purpose: &str) -> &'static str {
    match purpose {
        "case_view" => t.purpose_view,
        "list" => t.purpose_list,
        "command_result" => t.purpose_command,
        "report" => t.purpose_report,
        "case_as_of" => t.purpose_as_of,
        "access_log" => t.purpose_access_log,
        "document" => t.purpose_document,
        "attachment" => t.purpose_attachment,
        "receipt_code" => t.purpose_receipt_code,
        "disclosure" => t.purpose_disclosure,
        "archive_export" => t.purpose_archive_export,
        _ => t.purpose_other,
    }
}
