//! The package's two XML files: the METS manifest at its root (E-ARK CSIP
//! and SIP, FGS Paketstruktur) naming every file with its size and
//! SHA-256, and the case's ERMS description (CITS ERMS, FGS
//! Ärendehantering: one ärendeakt per file).

use std::fmt::Write as _;

/// A file of the package, as the manifest lists it.
pub(super) struct Listed {
    /// Its path from the package root, with `/`.
    pub(super) path: String,
    pub(super) mime: &'static str,
    pub(super) size: usize,
    /// SHA-256, hex.
    pub(super) sha256: String,
    /// When it was made (ISO 8601, UTC).
    pub(super) created: String,
}

/// The text escaped for an XML attribute or element.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// What the ERMS file says of the case.
pub(super) struct CaseFile<'a> {
    pub(super) case_id: &'a str,
    pub(super) number: &'a str,
    pub(super) title: &'a str,
    pub(super) kind: &'a str,
    pub(super) lagrum: &'a str,
    pub(super) state: &'a str,
    pub(super) unit: &'a str,
    pub(super) organisation: &'a str,
    pub(super) opened: String,
    pub(super) closed: String,
    /// (id, title, created) of each document record.
    pub(super) records: Vec<(String, String, String)>,
    pub(super) now: String,
    pub(super) software: String,
}

/// The ERMS description of one ärendeakt.
pub(super) fn erms(c: &CaseFile<'_>) -> String {
    let e = escape;
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<erms xmlns=\"https://DILCIS.eu/XML/ERMS\">\n  <control>\n");
    let _ = writeln!(
        x,
        "    <identification identificationType=\"arkivbildare\">{}</identification>",
        e(c.organisation)
    );
    let _ = writeln!(
        x,
        "    <identification identificationType=\"ärendenummer\">{}</identification>",
        e(c.number)
    );
    let _ = write!(
        x,
        "    <maintenanceInformation>\n      <maintenanceStatus value=\"new\"/>\n      <maintenanceAgency>\n        <agencyCode type=\"name\">{org}</agencyCode>\n        <agencyName>{org}</agencyName>\n      </maintenanceAgency>\n      <maintenanceHistory>\n        <maintenanceEvent>\n          <eventType value=\"created\"/>\n          <eventDateTime>{now}</eventDateTime>\n          <agent agentType=\"deliverer\">\n            <name>{software}</name>\n          </agent>\n        </maintenanceEvent>\n      </maintenanceHistory>\n    </maintenanceInformation>\n  </control>\n",
        org = e(c.organisation),
        now = e(&c.now),
        software = e(&c.software)
    );
    let _ = write!(
        x,
        "  <aggregations>\n    <aggregation systemIdentifier=\"{id}\" aggregationType=\"caseFile\">\n      <objectId>{number}</objectId>\n      <extraId extraIdType=\"deliveringSystemId\">{id}</extraId>\n      <title>{title}</title>\n      <classification classificationCode=\"{kind}\">{title}</classification>\n      <keywords>\n        <keyword>{lagrum}</keyword>\n        <keyword>{unit}</keyword>\n      </keywords>\n      <status value=\"closed\">{state}</status>\n      <dates>\n        <date dateType=\"created\">{opened}</date>\n        <date dateType=\"closed\">{closed}</date>\n      </dates>\n",
        id = e(c.case_id),
        number = e(c.number),
        title = e(c.title),
        kind = e(c.kind),
        lagrum = e(c.lagrum),
        unit = e(c.unit),
        state = e(c.state),
        opened = e(&c.opened),
        closed = e(&c.closed),
    );
    if !c.records.is_empty() {
        x.push_str("      <records>\n");
        for (id, title, created) in &c.records {
            let _ = write!(
                x,
                "        <record systemIdentifier=\"{}\" recordType=\"document\">\n          <title>{}</title>\n          <dates>\n            <date dateType=\"created\">{}</date>\n          </dates>\n        </record>\n",
                e(id),
                e(title),
                e(created)
            );
        }
        x.push_str("      </records>\n");
    }
    x.push_str("    </aggregation>\n  </aggregations>\n</erms>\n");
    x
}

/// What the METS manifest says besides its files.
pub(super) struct Manifest<'a> {
    pub(super) objid: &'a str,
    pub(super) label: &'a str,
    pub(super) organisation: &'a str,
    pub(super) now: &'a str,
    pub(super) software_version: &'a str,
    /// The descriptive metadata (the ERMS file).
    pub(super) erms: &'a Listed,
    /// The preservation metadata (the chain's proof).
    pub(super) proof: &'a [Listed],
    /// The representation's data files.
    pub(super) data: &'a [Listed],
}

/// The attributes METS gives every file it lists: type, size, creation
/// time and checksum.
fn file_attributes(f: &Listed) -> String {
    format!(
        "MIMETYPE=\"{}\" SIZE=\"{}\" CREATED=\"{}\" CHECKSUM=\"{}\" CHECKSUMTYPE=\"SHA-256\"",
        f.mime,
        f.size,
        escape(&f.created),
        f.sha256
    )
}

fn md_ref(x: &mut String, f: &Listed, mdtype: &str) {
    let _ = writeln!(
        x,
        "      <mets:mdRef LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\" MDTYPE=\"OTHER\" OTHERMDTYPE=\"{}\" {}/>",
        escape(&f.path),
        mdtype,
        file_attributes(f)
    );
}

/// The METS manifest at the package root.
pub(super) fn mets(m: &Manifest<'_>) -> String {
    let e = escape;
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<mets:mets xmlns:mets=\"http://www.loc.gov/METS/\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:csip=\"https://DILCIS.eu/XML/METS/CSIPExtensionMETS\" xmlns:sip=\"https://DILCIS.eu/XML/METS/SIPExtensionMETS\" OBJID=\"{}\" LABEL=\"{}\" TYPE=\"Other\" csip:OTHERTYPE=\"Ärendeakt\" csip:CONTENTINFORMATIONTYPE=\"ERMS\" PROFILE=\"https://earksip.dilcis.eu/profile/E-ARK-SIP.xml\">",
        e(m.objid),
        e(m.label)
    );
    let _ = write!(
        x,
        "  <mets:metsHdr CREATEDATE=\"{now}\" RECORDSTATUS=\"NEW\" csip:OAISPACKAGETYPE=\"SIP\">\n    <mets:agent ROLE=\"CREATOR\" TYPE=\"OTHER\" OTHERTYPE=\"SOFTWARE\">\n      <mets:name>Varna</mets:name>\n      <mets:note csip:NOTETYPE=\"SOFTWARE VERSION\">{version}</mets:note>\n    </mets:agent>\n    <mets:agent ROLE=\"ARCHIVIST\" TYPE=\"ORGANIZATION\">\n      <mets:name>{org}</mets:name>\n    </mets:agent>\n  </mets:metsHdr>\n",
        now = e(m.now),
        version = e(m.software_version),
        org = e(m.organisation)
    );
    let _ = writeln!(
        x,
        "  <mets:dmdSec ID=\"dmd-erms\" CREATED=\"{}\" STATUS=\"CURRENT\">",
        e(m.now)
    );
    md_ref(&mut x, m.erms, "ERMS");
    x.push_str("  </mets:dmdSec>\n  <mets:amdSec ID=\"amd-proof\">\n");
    for (i, f) in m.proof.iter().enumerate() {
        let _ = writeln!(
            x,
            "    <mets:digiprovMD ID=\"digiprov-{}\" STATUS=\"CURRENT\">",
            i + 1
        );
        md_ref(&mut x, f, "VARNA-AUDIT-CHAIN");
        x.push_str("    </mets:digiprovMD>\n");
    }
    x.push_str("  </mets:amdSec>\n  <mets:fileSec ID=\"filesec\">\n    <mets:fileGrp ID=\"grp-rep1\" USE=\"Representations/rep1\">\n");
    for (i, f) in m.data.iter().enumerate() {
        let _ = write!(
            x,
            "      <mets:file ID=\"file-{}\" {}>\n        <mets:FLocat LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\"/>\n      </mets:file>\n",
            i + 1,
            file_attributes(f),
            e(&f.path)
        );
    }
    x.push_str("    </mets:fileGrp>\n  </mets:fileSec>\n");
    let _ = writeln!(
        x,
        "  <mets:structMap ID=\"structmap\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">\n    <mets:div ID=\"div-root\" LABEL=\"{}\">\n      <mets:div ID=\"div-metadata\" LABEL=\"Metadata\" DMDID=\"dmd-erms\" ADMID=\"amd-proof\"/>\n      <mets:div ID=\"div-rep1\" LABEL=\"Representations/rep1\">",
        e(m.objid)
    );
    for i in 0..m.data.len() {
        let _ = writeln!(x, "        <mets:fptr FILEID=\"file-{}\"/>", i + 1);
    }
    x.push_str("      </mets:div>\n    </mets:div>\n  </mets:structMap>\n</mets:mets>\n");
    x
}
