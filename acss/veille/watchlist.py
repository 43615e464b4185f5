"""The curated starter watch-list: what health structures run, as data, and its idempotent loader.

Two families (``models.Family``):

- **health**: makers of medical devices and health software (``health_maker``: any product of theirs is a
  health product), and named products — PACS and DICOM, patient records (DPI/EHR), laboratory, HL7/FHIR
  interfaces, devices;
- **common_it**: the common IT through which attackers get into hospitals (VPN and edge devices, mail,
  virtualisation, remote access, directory, file transfer) — the products of the CISA KEV catalogue that
  ransomware crews use most.

How a product is recognised (``matching.py``):

- ``name`` and ``aliases``: distinctive names, matched as whole words in the affected products' names, the
  CSAF product tree and the record's text ("Orthanc", "FortiOS", "Vue PACS");
- ``name_patterns``: regular expressions (case-insensitive) matched against the affected products' names; in
  the text they count only when the record names the vendor (``Windows LDAP`` from Microsoft is the directory,
  "LDAP" in a PHP application is not);
- ``cpe_patterns``: CPE 2.3 prefixes ``cpe:2.3:<part>:<vendor>:<product>``, ``*`` and ``?`` allowed in each
  field (``cpe:2.3:*:sonicwall:sma*``). A CPE is an identifier: alone it never makes a match.

A vendor alias written ``~General Electric (GE)`` is a spelling shared with other trades: it names the vendor
(so that its products' names agree with it) but is not, alone, evidence of a health product.

Products under ``ANY_VENDOR`` are recognised whatever their maker ("DICOM Viewer", "FHIR server"…), by their
name only: their word in a record's text is a weak hint, never enough alone.

Why each name is here: the vendors and products of the CISA medical advisories (ICSMA) and of the CVE records
of the public real-data folder were read one by one; the common-IT products are those of the KEV catalogue in the
families described above (common_it); French makers of hospital software are added by knowledge of the sector. Spellings seen
in the data are kept as aliases ("Phillips", "General Electric (GE)", "Becton, Dickinson and Company (BD)").

``load_watchlist(apps)`` creates what is missing and merges new aliases and patterns into existing rows; it
never removes or deactivates what ACSS edited in the admin. To change the starter list, edit this file and add
a migration that calls the loader again (like ``acss/core/referential.py``).
"""

from __future__ import annotations

from typing import Any

HEALTH = "health"
COMMON_IT = "common_it"

# The pseudo-vendor of products recognised whatever their maker (see the module's docstring).
ANY_VENDOR = "Tout fabricant"

VENDORS: list[dict[str, Any]] = [
    # ------------------------------------------------------------------------------------------------
    # Products recognised by their own name, whatever their maker.
    # ------------------------------------------------------------------------------------------------
    {
        "name": ANY_VENDOR,
        "family": HEALTH,
        "notes": "Produits reconnus à leur nom quel que soit l'éditeur (DICOM, FHIR, HL7, PACS, dispositifs).",
        "products": [
            {
                "name": "Logiciel ou bibliothèque DICOM",
                "category": "pacs",
                "name_patterns": [r"dicom"],
            },
            {"name": "PACS", "category": "pacs", "name_patterns": [r"\bpacs\b"]},
            {"name": "Serveur ou bibliothèque FHIR", "category": "hl7-fhir", "name_patterns": [r"\bfhir\b"]},
            {"name": "Interface HL7", "category": "hl7-fhir", "name_patterns": [r"\bhl7\b"]},
            {
                "name": "Système d'information de laboratoire",
                "category": "laboratoire",
                "name_patterns": [r"\blaboratory information (management )?system"],
            },
            {
                "name": "Pompe à perfusion",
                "category": "dispositif",
                "name_patterns": [r"\b(infusion|syringe|insulin|volumetric) pumps?\b", r"\binfusion systems?\b"],
            },
            {
                "name": "Moniteur patient",
                "category": "dispositif",
                "name_patterns": [r"\b(patient|bedside|vital signs?) monitors?\b"],
            },
            {
                "name": "Ventilateur médical",
                "category": "dispositif",
                "name_patterns": [r"\b(icu|anesthesia|anaesthesia|mechanical|critical care) ventilators?\b"],
            },
            {
                "name": "Échographe",
                "category": "dispositif",
                "name_patterns": [r"\bultrasound (system|scanner|device|machine)s?\b"],
            },
        ],
    },
    # ------------------------------------------------------------------------------------------------
    # Medical device makers.
    # ------------------------------------------------------------------------------------------------
    {
        "name": "Philips",
        "aliases": ["Phillips", "Philips Healthcare", "Philips Medical Systems", "Koninklijke Philips"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Phillips » : graphie de deux avis ICSMA.",
        "products": [
            {"name": "Vue PACS", "category": "pacs", "cpe_patterns": ["cpe:2.3:a:philips:vue_pacs"]},
            {"name": "IntelliSpace", "category": "pacs", "aliases": ["IntelliSpace PACS", "IntelliSpace Portal"]},
            {"name": "IntelliVue", "category": "dispositif", "aliases": ["IntelliVue MX40"]},
            {"name": "IntelliBridge", "category": "hl7-fhir"},
            {"name": "Patient Information Center iX", "category": "dispositif", "aliases": ["PIC iX", "PICiX"]},
            {"name": "Tasy EMR", "category": "dpi", "aliases": ["Philips Tasy"]},
        ],
    },
    {
        "name": "GE HealthCare",
        "aliases": [
            "GE Healthcare",
            "GE HealthCare Technologies",
            "gehealthcare",
            "GE Medical Systems",
            "~General Electric (GE)",
        ],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« General Electric (GE) » : graphie des avis ICSMA, mais aussi des avis industriels (GE Digital, "
        "GE Vernova) : graphie partagée (~), qui reconnaît le fabricant sans suffire seule ; « GE » seul n'est pas "
        "un alias.",
        "products": [
            {"name": "Centricity", "category": "pacs", "aliases": ["Centricity PACS"]},
            {"name": "EchoPAC", "category": "dispositif", "cpe_patterns": ["cpe:2.3:*:gehealthcare:echopac*"]},
            {"name": "LOGIQ", "category": "dispositif", "cpe_patterns": ["cpe:2.3:*:gehealthcare:logiq*"]},
            {"name": "CARESCAPE", "category": "dispositif"},
            {"name": "Invenia ABUS", "category": "dispositif", "cpe_patterns": ["cpe:2.3:*:gehealthcare:invenia*"]},
        ],
    },
    {
        "name": "Siemens Healthineers",
        "aliases": ["Siemens Healthcare", "Siemens Medical Solutions"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Siemens » seul n'est pas un alias (automatismes industriels) : les produits syngo et Medicalis "
        "sont reconnus à leur nom quand le fabricant indiqué est « Siemens ».",
        "products": [
            {"name": "syngo", "category": "pacs", "aliases": ["syngo.via", "syngo fastView", "syngo.plaza"]},
            {
                "name": "Medicalis",
                "category": "pacs",
                "aliases": ["Medicalis Workflow Orchestrator"],
                "cpe_patterns": ["cpe:2.3:a:siemens:medicalis*"],
            },
            {"name": "Atellica", "category": "laboratoire"},
        ],
    },
    {
        "name": "Baxter",
        "aliases": ["Baxter International", "Baxter Healthcare", "Hillrom", "Hill-Rom", "Welch Allyn"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "Baxter a racheté Hillrom (et Welch Allyn) en 2021 : un seul groupe.",
        "products": [
            {"name": "Sigma Spectrum", "category": "dispositif", "aliases": ["Spectrum IQ"]},
            {"name": "Connex", "category": "dispositif", "cpe_patterns": ["cpe:2.3:*:hillrom:connex*"]},
        ],
    },
    {
        "name": "BD",
        "aliases": ["Becton Dickinson", "Becton, Dickinson and Company", "Becton Dickinson & Co", "CareFusion"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {"name": "Alaris", "category": "dispositif", "aliases": ["Alaris Gateway Workstation"]},
            {"name": "Pyxis", "category": "dispositif"},
            {"name": "Kiestra", "category": "laboratoire"},
        ],
    },
    {
        "name": "Medtronic",
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {"name": "CareLink", "category": "dispositif", "aliases": ["MyCareLink"]},
            {"name": "MiniMed", "category": "dispositif"},
            {"name": "Valleylab", "category": "dispositif"},
        ],
    },
    {
        "name": "Abbott",
        "aliases": ["Abbott Laboratories", "St. Jude Medical"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {
                "name": "Merlin (télésurveillance cardiaque)",
                "category": "dispositif",
                "aliases": ["Merlin@home", "MerlinOnDemand", "Merlin PCS", "Merlin.net"],
            },
        ],
    },
    {
        "name": "Boston Scientific",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "ZOOM LATITUDE", "category": "dispositif"}],
    },
    {
        "name": "B. Braun",
        "aliases": ["B. Braun Medical", "B. Braun Melsungen", "B Braun"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {"name": "SpaceCom", "category": "dispositif", "aliases": ["SpaceStation", "Space Infusion System"]},
            {"name": "Infusomat", "category": "dispositif", "aliases": ["Perfusor"]},
        ],
    },
    {
        "name": "Fresenius",
        "aliases": ["Fresenius Kabi", "Fresenius Medical Care"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Agilia", "category": "dispositif", "aliases": ["Agilia Connect", "Agilia Link"]}],
    },
    {
        "name": "ICU Medical",
        "aliases": ["Hospira", "Smiths Medical"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "ICU Medical a repris Hospira (2017) et Smiths Medical (2022).",
        "products": [
            {"name": "Plum 360", "category": "dispositif", "aliases": ["Plum A+", "LifeCare PCA"]},
            {"name": "Medfusion", "category": "dispositif"},
        ],
    },
    {"name": "Carestream", "aliases": ["Carestream Health"], "family": HEALTH, "health_maker": True},
    {
        "name": "Agfa HealthCare",
        "aliases": ["Agfa Healthcare"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Agfa » seul n'est pas un alias (arts graphiques).",
        "products": [{"name": "Agfa Enterprise Imaging", "category": "pacs", "aliases": ["IMPAX"]}],
    },
    {
        "name": "Sectra",
        "family": HEALTH,
        "notes": "Sectra fait aussi de la communication chiffrée : seuls ses produits d'imagerie sont surveillés.",
        "products": [{"name": "Sectra PACS", "category": "pacs", "aliases": ["Sectra IDS7"]}],
    },
    {
        "name": "Fujifilm",
        "aliases": ["FUJIFILM Healthcare", "Fujifilm Medical Systems"],
        "family": HEALTH,
        "notes": "Fujifilm fait aussi des appareils photo et des imprimantes : seuls ses produits médicaux sont "
        "surveillés.",
        "products": [
            {"name": "Synapse PACS", "category": "pacs", "name_patterns": [r"\bsynapse (pacs|3d|ris|mobility|\d)"]},
            {"name": "Fujifilm FCR", "category": "dispositif", "name_patterns": [r"\bFCR\b"]},
        ],
    },
    {
        "name": "Canon Medical Systems",
        "aliases": ["Canon Medical", "Toshiba Medical Systems", "Toshiba Medical"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Canon » ou « Toshiba » seuls ne sont pas des alias (imprimantes Toshiba Tec).",
        "products": [{"name": "Vitrea", "category": "pacs"}],
    },
    {
        "name": "Roche Diagnostics",
        "aliases": ["Roche", "F. Hoffmann-La Roche"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "cobas", "category": "laboratoire"}, {"name": "Accu-Chek", "category": "dispositif"}],
    },
    {"name": "Beckman Coulter", "family": HEALTH, "health_maker": True},
    {
        "name": "Dräger",
        "aliases": ["Draeger", "Drägerwerk", "Draegerwerk"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {
                "name": "Dräger Infinity",
                "category": "dispositif",
                "name_patterns": [r"\binfinity (delta|explorer|acute|gateway|m\d)"],
            },
            {"name": "Dräger Evita", "category": "dispositif", "aliases": ["Evita Infinity"]},
        ],
    },
    {"name": "Mindray", "family": HEALTH, "health_maker": True},
    {"name": "Nihon Kohden", "family": HEALTH, "health_maker": True},
    {
        "name": "Spacelabs Healthcare",
        "aliases": ["Spacelabs"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Xhibit", "category": "dispositif"}],
    },
    {
        "name": "Natus Medical",
        "aliases": ["Natus"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "NeuroWorks", "category": "dispositif", "aliases": ["Xltek"]}],
    },
    {"name": "Vyaire Medical", "aliases": ["Vyaire"], "family": HEALTH, "health_maker": True},
    {"name": "Masimo", "family": HEALTH, "health_maker": True},
    {"name": "Hamilton Medical", "family": HEALTH, "health_maker": True},
    {"name": "ZOLL", "aliases": ["ZOLL Medical"], "family": HEALTH, "health_maker": True},
    {"name": "Biotronik", "family": HEALTH, "health_maker": True},
    {"name": "Stryker", "family": HEALTH, "health_maker": True},
    {
        "name": "Insulet",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Omnipod", "category": "dispositif"}],
    },
    {
        "name": "Swisslog Healthcare",
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {"name": "TransLogic", "category": "dispositif", "aliases": ["Translogic PTS", "Nexus Control Panel"]}
        ],
    },
    {"name": "Capsule Technologies", "family": HEALTH, "health_maker": True},
    {"name": "Illumina", "family": HEALTH, "health_maker": True, "notes": "Séquenceurs de laboratoire (MiSeq…)."},
    # ------------------------------------------------------------------------------------------------
    # Health software: patient records, PACS and DICOM, interfaces.
    # ------------------------------------------------------------------------------------------------
    {
        "name": "Oracle Health",
        "aliases": ["Cerner", "Cerner Corporation", "Oracle Cerner"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Oracle » seul n'est pas un alias.",
        "products": [{"name": "Cerner Millennium", "category": "dpi", "aliases": ["PowerChart", "Cerner"]}],
    },
    {
        "name": "Epic Systems",
        "aliases": ["Epic Systems Corporation"],
        "family": HEALTH,
        "health_maker": True,
        "notes": "« Epic » seul n'est pas un alias (Epic Games).",
        "products": [{"name": "EpicCare", "category": "dpi", "aliases": ["Epic MyChart"]}],
    },
    {
        "name": "Veradigm",
        "aliases": ["Allscripts", "Allscripts Healthcare"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Sunrise Clinical Manager", "category": "dpi", "aliases": ["TouchWorks"]}],
    },
    {
        "name": "MEDITECH",
        "aliases": ["Medical Information Technology"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "MEDITECH Expanse", "category": "dpi"}],
    },
    {
        "name": "InterSystems",
        "family": HEALTH,
        "notes": "Bases de données sous de nombreux DPI : IRIS et Caché sont classés en santé.",
        "products": [
            {"name": "HealthShare", "category": "hl7-fhir", "cpe_patterns": ["cpe:2.3:a:intersystems:healthshare*"]},
            {"name": "TrakCare", "category": "dpi"},
            {"name": "InterSystems IRIS", "category": "dpi", "cpe_patterns": ["cpe:2.3:a:intersystems:iris*"]},
            {
                "name": "InterSystems Caché",
                "category": "dpi",
                "cpe_patterns": ["cpe:2.3:a:intersystems:cache"],
            },
        ],
    },
    {
        "name": "Orthanc",
        "aliases": ["Orthanc Team", "Orthanc-server", "Osimis"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Orthanc", "category": "pacs", "cpe_patterns": ["cpe:2.3:a:orthanc-server:orthanc"]}],
    },
    {
        "name": "OFFIS",
        "family": HEALTH,
        "notes": "Institut de recherche : seul DCMTK est surveillé.",
        "products": [{"name": "DCMTK", "category": "pacs", "cpe_patterns": ["cpe:2.3:a:offis:dcmtk"]}],
    },
    {
        "name": "dcm4che",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "dcm4chee", "category": "pacs", "aliases": ["dcm4che", "dcm4chee-arc"]}],
    },
    {
        "name": "Medixant",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "RadiAnt DICOM Viewer", "category": "pacs"}],
    },
    {
        "name": "Santesoft",
        "aliases": ["Sante", "Santesoft LTD"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {
                "name": "Sante PACS Server",
                "category": "pacs",
                "aliases": ["PACS Server PG"],
                "cpe_patterns": ["cpe:2.3:a:sante:sante_pacs_server", "cpe:2.3:a:santesoft:sante_pacs_server"],
            },
            {
                "name": "Sante DICOM Viewer",
                "category": "pacs",
                "aliases": ["DICOM Viewer Pro", "Sante DICOM Viewer Pro"],
                "cpe_patterns": ["cpe:2.3:a:sante:dicom_viewer*", "cpe:2.3:a:santesoft:dicom_viewer*"],
            },
        ],
    },
    {
        "name": "MicroDicom",
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {
                "name": "MicroDicom DICOM Viewer",
                "category": "pacs",
                "cpe_patterns": ["cpe:2.3:a:microdicom:dicom_viewer"],
            }
        ],
    },
    {
        "name": "Weasis",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Weasis", "category": "pacs"}],
    },
    {
        "name": "Merative",
        "aliases": ["Merge Healthcare", "IBM Watson Health"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Merge PACS", "category": "pacs", "aliases": ["Merge DICOM Toolkit"]}],
    },
    {
        "name": "Laurel Bridge Software",
        "aliases": ["laurelbridge", "Laurel Bridge"],
        "family": HEALTH,
        "health_maker": True,
    },
    {
        "name": "XMedCon",
        "family": HEALTH,
        "notes": "Convertisseur libre d'images médicales (DICOM, ECAT…).",
        "products": [{"name": "XMedCon", "category": "pacs", "aliases": ["(X)MedCon"]}],
    },
    {
        "name": "CTI Renato Archer",
        "aliases": ["InVesalius"],
        "family": HEALTH,
        "notes": "Éditeur public brésilien d'InVesalius (reconstruction 3D d'imagerie médicale).",
        "products": [{"name": "InVesalius", "category": "pacs"}],
    },
    {
        "name": "OpenEMR",
        "aliases": ["OpenEMR Foundation", "open-emr"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {
                "name": "OpenEMR",
                "category": "dpi",
                "aliases": ["open-emr"],
                "cpe_patterns": ["cpe:2.3:a:open-emr:openemr", "cpe:2.3:a:openemr:openemr"],
            }
        ],
    },
    {
        "name": "OpenClinic GA",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "OpenClinic GA", "category": "dpi"}],
    },
    {
        "name": "HAPI FHIR",
        "aliases": ["Smile Digital Health", "Smile CDR", "hapifhir"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "HAPI FHIR", "category": "hl7-fhir"}],
    },
    {
        "name": "NextGen Healthcare",
        "family": HEALTH,
        "health_maker": True,
        "notes": "« NextGen » seul n'est pas un alias.",
        "products": [
            {
                "name": "Mirth Connect",
                "category": "hl7-fhir",
                "aliases": ["NextGen Connect"],
                "cpe_patterns": ["cpe:2.3:a:nextgen:mirth_connect", "cpe:2.3:a:nextgen:connect"],
            }
        ],
    },
    {
        "name": "gematik",
        "family": HEALTH,
        "health_maker": True,
        "notes": "Agence allemande de la télématique de santé.",
    },
    {"name": "Change Healthcare", "aliases": ["McKesson"], "family": HEALTH, "health_maker": True},
    # French makers of hospital software.
    {
        "name": "Dedalus",
        "aliases": ["Dedalus France", "Dedalus HealthCare", "Medasys"],
        "family": HEALTH,
        "health_maker": True,
        "products": [
            {"name": "DxCare", "category": "dpi"},
            {"name": "Dedalus ORBIS", "category": "dpi", "aliases": ["ORBIS U"]},
        ],
    },
    {
        "name": "Maincare Solutions",
        "aliases": ["Maincare"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "M-CrossWay", "category": "dpi"}],
    },
    {
        "name": "Softway Medical",
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "Hopital Manager", "category": "dpi", "aliases": ["Hôpital Manager"]}],
    },
    {"name": "Cegedim Santé", "aliases": ["Cegedim"], "family": HEALTH, "health_maker": True},
    {
        "name": "Evolucare Technologies",
        "aliases": ["Evolucare"],
        "family": HEALTH,
        "health_maker": True,
        "products": [{"name": "ECSIMAGING", "category": "pacs", "aliases": ["ECS Imaging"]}],
    },
    {"name": "Enovacom", "family": HEALTH, "health_maker": True, "notes": "Interopérabilité (HL7) et sécurité."},
    # ------------------------------------------------------------------------------------------------
    # Common IT: VPN and edge devices.
    # ------------------------------------------------------------------------------------------------
    {
        "name": "Fortinet",
        "family": COMMON_IT,
        "products": [
            {
                "name": "FortiOS",
                "category": "vpn",
                "aliases": ["FortiGate"],
                "cpe_patterns": ["cpe:2.3:*:fortinet:fortios", "cpe:2.3:*:fortinet:fortigate*"],
            },
            {"name": "FortiProxy", "category": "vpn", "cpe_patterns": ["cpe:2.3:*:fortinet:fortiproxy"]},
        ],
    },
    {
        "name": "Ivanti",
        "aliases": ["Pulse Secure"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Connect Secure",
                "category": "vpn",
                "aliases": ["Ivanti Connect Secure", "Pulse Connect Secure"],
                "name_patterns": [r"^ICS$"],
                "cpe_patterns": ["cpe:2.3:a:ivanti:connect_secure", "cpe:2.3:a:pulsesecure:pulse_connect_secure"],
            },
            {
                "name": "Policy Secure",
                "category": "vpn",
                "aliases": ["Ivanti Policy Secure", "Pulse Policy Secure"],
                "name_patterns": [r"^IPS$"],
                "cpe_patterns": ["cpe:2.3:a:ivanti:policy_secure", "cpe:2.3:a:pulsesecure:pulse_policy_secure"],
            },
        ],
    },
    {
        "name": "Citrix",
        "aliases": ["NetScaler", "Cloud Software Group", "Citrix Systems"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "NetScaler ADC et Gateway",
                "category": "vpn",
                "aliases": ["NetScaler ADC", "NetScaler Gateway", "Citrix ADC", "Citrix Gateway"],
                "cpe_patterns": [
                    "cpe:2.3:*:citrix:netscaler_application_delivery_controller*",
                    "cpe:2.3:*:citrix:netscaler_gateway*",
                    "cpe:2.3:*:citrix:application_delivery_controller*",
                    "cpe:2.3:*:citrix:gateway*",
                ],
            }
        ],
    },
    {
        "name": "Palo Alto Networks",
        "aliases": ["paloaltonetworks"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "PAN-OS",
                "category": "vpn",
                "aliases": ["GlobalProtect"],
                "cpe_patterns": ["cpe:2.3:*:paloaltonetworks:pan-os", "cpe:2.3:*:paloaltonetworks:globalprotect*"],
            }
        ],
    },
    {
        "name": "Cisco",
        "aliases": ["Cisco Systems"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Cisco ASA et FTD",
                "category": "vpn",
                "aliases": ["Adaptive Security Appliance", "Firepower Threat Defense"],
                "name_patterns": [r"\bASA\b", r"\bFTD\b"],
                "cpe_patterns": [
                    "cpe:2.3:*:cisco:adaptive_security_appliance*",
                    "cpe:2.3:*:cisco:firepower_threat_defense*",
                ],
            },
            {
                "name": "Cisco Secure Client (AnyConnect)",
                "category": "vpn",
                "aliases": ["AnyConnect", "Cisco Secure Client", "AnyConnect Secure Mobility Client"],
                "cpe_patterns": ["cpe:2.3:*:cisco:secure_client", "cpe:2.3:*:cisco:anyconnect_secure_mobility_client"],
            },
        ],
    },
    {
        "name": "SonicWall",
        "family": COMMON_IT,
        "products": [
            {"name": "SonicOS", "category": "vpn", "cpe_patterns": ["cpe:2.3:*:sonicwall:sonicos"]},
            {
                "name": "SonicWall SMA",
                "category": "vpn",
                "aliases": ["Secure Mobile Access", "SMA100", "SMA 100", "SMA1000", "NetExtender"],
                "cpe_patterns": ["cpe:2.3:*:sonicwall:sma*", "cpe:2.3:*:sonicwall:netextender"],
            },
        ],
    },
    {
        "name": "Check Point",
        "aliases": ["Check Point Software Technologies", "checkpoint"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Quantum Security Gateway",
                "category": "vpn",
                "aliases": ["Check Point Security Gateway", "Quantum Spark", "CloudGuard Network"],
                "cpe_patterns": ["cpe:2.3:*:checkpoint:quantum*"],
            }
        ],
    },
    {
        "name": "F5",
        "aliases": ["F5 Networks"],
        "family": COMMON_IT,
        "products": [{"name": "BIG-IP", "category": "vpn", "cpe_patterns": ["cpe:2.3:*:f5:big-ip*"]}],
    },
    {
        "name": "Sophos",
        "family": COMMON_IT,
        "products": [
            {
                "name": "Sophos Firewall",
                "category": "vpn",
                "aliases": ["XG Firewall", "SFOS"],
                "cpe_patterns": ["cpe:2.3:*:sophos:sfos", "cpe:2.3:*:sophos:xg_firewall*"],
            }
        ],
    },
    {
        "name": "WatchGuard",
        "aliases": ["WatchGuard Technologies"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Firebox",
                "category": "vpn",
                "aliases": ["Fireware"],
                "cpe_patterns": ["cpe:2.3:*:watchguard:fireware*"],
            }
        ],
    },
    {
        "name": "Stormshield",
        "family": COMMON_IT,
        "notes": "Pare-feu français très répandu dans les établissements publics.",
        "products": [
            {
                "name": "Stormshield Network Security",
                "category": "vpn",
                "cpe_patterns": ["cpe:2.3:*:stormshield:*network_security*"],
            }
        ],
    },
    # Mail, directory, remote access (Microsoft).
    {
        "name": "Microsoft",
        "aliases": ["Microsoft Corporation"],
        "family": COMMON_IT,
        "notes": "Seuls Exchange, l'annuaire et le bureau à distance sont surveillés, pas tout Windows.",
        "products": [
            {
                "name": "Exchange Server",
                "category": "messagerie",
                "aliases": ["Microsoft Exchange", "Microsoft Exchange Server"],
                "cpe_patterns": ["cpe:2.3:a:microsoft:exchange_server"],
            },
            {
                "name": "Annuaire Active Directory (contrôleurs de domaine)",
                "category": "annuaire",
                "aliases": ["Netlogon"],
                "name_patterns": [
                    r"\bactive directory\b",
                    r"\bkerberos\b",
                    r"\bLDAP\b",
                    r"\blightweight directory access protocol\b",
                    r"\bdomain controllers?\b",
                    r"\bcertificate services\b",
                ],
            },
            {
                "name": "Bureau à distance (RDP, passerelle RD)",
                "category": "acces-distant",
                "aliases": ["Remote Desktop Gateway", "RD Gateway", "Remote Desktop Services"],
                "name_patterns": [r"\bremote desktop\b", r"\bRDP\b"],
            },
        ],
    },
    {
        "name": "Zimbra",
        "aliases": ["Synacor"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Zimbra Collaboration",
                "category": "messagerie",
                "aliases": ["Zimbra Collaboration Suite", "Zimbra"],
                "cpe_patterns": ["cpe:2.3:a:zimbra:collaboration*", "cpe:2.3:a:synacor:zimbra_collaboration*"],
            }
        ],
    },
    {
        "name": "Barracuda Networks",
        "aliases": ["Barracuda"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "Barracuda Email Security Gateway",
                "category": "messagerie",
                "name_patterns": [r"\bemail security gateway\b"],
                "cpe_patterns": ["cpe:2.3:*:barracuda:email_security_gateway*"],
            }
        ],
    },
    # Virtualisation.
    {
        "name": "VMware",
        "aliases": ["VMware by Broadcom", "Broadcom"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "ESXi",
                "category": "virtualisation",
                "aliases": ["VMware ESXi"],
                "cpe_patterns": ["cpe:2.3:*:vmware:*esxi"],
            },
            {
                "name": "vCenter Server",
                "category": "virtualisation",
                "aliases": ["VMware vCenter", "VMware vCenter Server"],
                "cpe_patterns": ["cpe:2.3:*:vmware:vcenter_server"],
            },
        ],
    },
    # Remote access.
    {
        "name": "TeamViewer",
        "family": COMMON_IT,
        "products": [
            {
                "name": "TeamViewer",
                "category": "acces-distant",
                "aliases": ["TeamViewer Remote"],
                "name_patterns": [r"^remote (full client|host)$"],
                "cpe_patterns": ["cpe:2.3:a:teamviewer:*"],
            }
        ],
    },
    {
        "name": "AnyDesk",
        "aliases": ["AnyDesk Software", "philandro"],
        "family": COMMON_IT,
        "products": [{"name": "AnyDesk", "category": "acces-distant", "cpe_patterns": ["cpe:2.3:a:anydesk:anydesk"]}],
    },
    {
        "name": "ConnectWise",
        "family": COMMON_IT,
        "products": [
            {
                "name": "ScreenConnect",
                "category": "acces-distant",
                "aliases": ["ConnectWise Control", "ConnectWise ScreenConnect"],
                "cpe_patterns": ["cpe:2.3:a:connectwise:screenconnect", "cpe:2.3:a:connectwise:control"],
            }
        ],
    },
    # File transfer.
    {
        "name": "Progress Software",
        "aliases": ["Progress", "Ipswitch"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "MOVEit Transfer",
                "category": "transfert",
                "aliases": ["MOVEit", "MOVEit Cloud"],
                "cpe_patterns": ["cpe:2.3:a:progress:moveit*"],
            },
            {
                "name": "WS_FTP Server",
                "category": "transfert",
                "aliases": ["WS FTP Server"],
                "cpe_patterns": ["cpe:2.3:a:progress:ws_ftp_server"],
            },
        ],
    },
    {
        "name": "Fortra",
        "aliases": ["HelpSystems"],
        "family": COMMON_IT,
        "products": [
            {
                "name": "GoAnywhere MFT",
                "category": "transfert",
                "aliases": ["GoAnywhere", "GoAnywhere Managed File Transfer"],
                "cpe_patterns": [
                    "cpe:2.3:a:fortra:goanywhere_managed_file_transfer",
                    "cpe:2.3:a:helpsystems:goanywhere_managed_file_transfer",
                ],
            }
        ],
    },
]


def iter_watchlist() -> list[tuple[dict, list[dict]]]:
    """Each vendor with its products, every key filled (family of a product: its vendor's by default)."""
    out = []
    for vendor in VENDORS:
        v = {
            "name": vendor["name"],
            "aliases": list(vendor.get("aliases", [])),
            "family": vendor["family"],
            "health_maker": bool(vendor.get("health_maker", False)),
            "notes": vendor.get("notes", ""),
        }
        products = [
            {
                "name": p["name"],
                "family": p.get("family", vendor["family"]),
                "category": p.get("category", ""),
                "aliases": list(p.get("aliases", [])),
                "cpe_patterns": list(p.get("cpe_patterns", [])),
                "name_patterns": list(p.get("name_patterns", [])),
            }
            for p in vendor.get("products", [])
        ]
        out.append((v, products))
    return out


def _merge(current: list, extra: list) -> list:
    return current + [x for x in extra if x not in current]


def load_watchlist(apps) -> dict[str, int]:
    """Create the missing vendors and products; merge new aliases and patterns into existing ones.

    Idempotent: a second run changes nothing. ``apps`` is the migration's app registry (or ``django.apps.apps``).
    Returns what was created or updated.
    """
    WatchedVendor = apps.get_model("veille", "WatchedVendor")
    WatchedProduct = apps.get_model("veille", "WatchedProduct")
    counts = {"vendors_created": 0, "products_created": 0, "updated": 0}
    vendors = {v.name: v for v in WatchedVendor.objects.all()}
    products = {(p.vendor_id, p.name): p for p in WatchedProduct.objects.all()}
    for data, product_list in iter_watchlist():
        vendor = vendors.get(data["name"])
        if vendor is None:
            vendor = WatchedVendor.objects.create(**data)
            vendors[vendor.name] = vendor
            counts["vendors_created"] += 1
        else:
            aliases = _merge(list(vendor.aliases or []), data["aliases"])
            if aliases != list(vendor.aliases or []):
                vendor.aliases = aliases
                vendor.save(update_fields=["aliases"])
                counts["updated"] += 1
        for p in product_list:
            product = products.get((vendor.pk, p["name"]))
            if product is None:
                product = WatchedProduct.objects.create(vendor=vendor, **p)
                products[(vendor.pk, product.name)] = product
                counts["products_created"] += 1
                continue
            changed = []
            for key in ("aliases", "cpe_patterns", "name_patterns"):
                merged = _merge(list(getattr(product, key) or []), p[key])
                if merged != list(getattr(product, key) or []):
                    setattr(product, key, merged)
                    changed.append(key)
            if changed:
                product.save(update_fields=changed)
                counts["updated"] += 1
    return counts
