"""Every fact of the seed page appears on the portal, on the page a reader would look for it."""

import html
import re

import pytest

pytestmark = pytest.mark.django_db

# (page, facts that must be readable on it), straight from the seed page.
SEED_FACTS = {
    "/": [
        "D-8 industrial production increased from 7% in 2009 to 18% in the end of 2010.",
        "20% annualized pace",
        "fourth quarter of 2010",
        "almost 1 billion population",
        "13 task forces",
    ],
    "/bodies/": [
        "Automotive",
        "Coordinators: Iran, Egypt, Indonesia",
        "Energy, Power Sector and Conservation",
        "Food Production through Mechanization",
        "Cooperation/Transfer of Technology",
        "Petrochemicals and Fertilizer",
        "Cement",
        "Steel",
        "Textile",
        "Standardization and Intellectual Property Rights",
        "Small and Medium Enterprises (SMEs)",
        "Electronics and IT",
        "Machinery",
        "Ceramic and Glass Industry",
        "Iron-Steel",
        "Food Industries",
        "Technology Cooperation",
        "Electronics-IT",
    ],
    "/bodies/tf-smes/": [
        "Türkiye",
        "Indonesia",
        "Iran",
        "Nigeria",
        "1st D-8 SMEs Governmental Bodies Meeting",
        "hosted by Iran Small Industries & Industrial Parks Organization (ISIPO)",
        "SME Cluster Development Best Practice Workshop",
        "full participation from D-8",
        "Transcorp Hilton Hotel",
        "Challenges facing the SMEs are lack of ICT knowledge",
        "Priority Economic Zones (PEZ)",
        "Upgrading database and statistics to reflect quality and quantity of the SMEs",
        "Accelerate the creation of Industrial Parks for SMEs",
        "Government intervention on interest rates",
        "within one (1) month on the communication network draft",
        "Statement on SMEs",
        "Memorandum of Understanding between the SMEs Governmental Bodies",
    ],
    "/bodies/tf-smes/activities/": [
        "Hold the SPX/Cluster Development Training session",
        "in the last quarter of 2015 (to be confirmed)",
        "tentative",
        "Hold an SME Financing Model Workshop",
        "in the second half of 2015",
        "Hold a Workshop on SME Market Development Models",
        "in the 3rd quarter of 2015",
        "Prepare and share a list of investment opportunities",
        "Facilitate participation of small industries in relevant exhibitions",
        "Forward views and comments on the communication network draft",
    ],
    "/bodies/tf-smes/contacts/": [
        "Mr. A.K.M. Rafiqul Islam",
        "Deputy Secretary",
        "+88 02 9552970",
        "Mr. Raouf Hasan Farg",
        "Head of Central Department of Investment Policies and International Agreement",
        "Ministry of Trade & Industry",
        "+2022 794 4984",
        "+2022 7953466",
        "Director of Metal and Electronics Industries",
        "Jln. Jend. Gatot Subroto Kav. 52-53, 17th floor",
        "Jakarta Selatan 12950",
        "+62 21 5253782",
        "+62 21 525 5509",
        "2523, 4075",
        "+6221 5253782",
        "Mr. Ahmad Javanmardi",
        "0098-21-88770918",
        "0098-21-88770920",
        "Mr. Dato\u2019 Hafsah Hashim",  # as written in the seed
        "SME Corporation Malaysia",
        "Aras 20, West Wing Menara Matrade",
        "Jalan Khidmat Usaha off Jalan Duta",
        "50480 Kuala Lumpur",
        "603 6207 6013",
        "603 6203 7911",
        "Mr. Ali Ishtihaq",
        "Assistant Manager",
        "111-111-456",
        "355",
        "042 36370474",
        "Selma Tezyetis",
        "Head of Department",
        "+90 312 595 26 48",
        "+90 312 368 07 15",
        "Abdullah Cortu",
        "+90 312 385 5090",
        "+90 312 354 5898",
        "Public sector",
        "Private sector",
    ],
    "/bodies/tf-smes/news/": [
        "1st D-8 SMEs Governmental Bodies Meeting",
        "2nd D-8 SMEs Governmental Bodies Meeting",
        "D-8 Private Sector Investment Workshop on Gene Bank Development and Management and"
        " Investment in Fertilizer Production",
        "15-17 May 2012",
        "3rd D-8 SMEs Governmental Bodies Meeting",
        "18-19 June 2012",
        "4th D-8 SMEs Governmental Bodies Meeting",
        "9 October 2012",
        "Workshop on Micro-finance for SMEs",
        "15-16 August 2013",
        "5th D-8 SMEs Governmental Bodies Meeting",
        "18-19 November 2014",
        "D-8 Task Force Meeting on Small and Medium Enterprises (SMEs)",
        "26-28 January 2015",
        "Held",
        "Abuja",
        "Dhaka",
        "Istanbul",
        "Tehran",
    ],
    "/bodies/smes-governmental-bodies/": ["Chair", "for the next two years (2015-2016)"],
    "/bodies/wgic/": [
        "4th Meeting of the D-8 Working Group on Industrial Cooperation",
        "10-12 November 2008",
        "Bali",
        "5th Meeting of the D-8 Working Group",
        "28 February - 2 March 2010",
        "back to back with",
        "1st D-8 Ministerial Meeting on Industry",
        "approved all the Terms of Reference (ToR) of 11 Task Forces",
        "Plan of Action: Cooperation on Industry",
        "Tehran Declaration on D-8 Industrial Cooperation",
    ],
    "/bodies/tf-automotive/": [
        "Minute of Meeting",
        "long-term program on Automotive Industry",
        "A joint working group will be established",
    ],
    "/bodies/ministerial-meeting-on-industry/": [
        "1st D-8 Ministerial Meeting on Industry",
        "2nd D-8 Ministerial Meeting on Industry",
        "4-6 October 2011",
        "3rd D-8 Ministerial Meeting on Industry",
        "8-10 October 2012",
        "4th D-8 Ministerial Meeting on Industry",
        "26-28 January 2015",
        "take stock of D-8's collective performance",
        "might, in certain cases, not have proved conducive",
        "Petrochemical/Fertilizer and Food Production Task Forces",
        "Tehran Declaration (2010)",
        "Istanbul Declaration (2011)",
        "Dhaka Declaration (2012)",
        "Tehran Declaration (2015)",
    ],
    "/meetings/wgic-6-istanbul-2011/": ["6th Meeting", "5th Working Group on Industrial"],
    "/meetings/smes-gb-1-tehran-2010/": ["06-07 December 2010", "7 December 2010"],
    "/documents/": [
        "Memorandum of Understanding between D-8 and the Economic Cooperation Organization (ECO)",
        "Memorandum of Understanding between D-8 and the Organisation of Islamic Cooperation",
    ],
    "/documents/mou-d8-oic/": ["agriculture and food security"],
    "/news/istanbul-2nd-ministerial-meeting-2011/": [
        "find and secure opportunities for new investment and markets",
    ],
}


def _visible_text(content: bytes) -> str:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", content.decode(), flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("path", SEED_FACTS)
def test_each_fact_of_the_seed_appears_on_the_portal(client, reference_data, path):
    response = client.get(path)
    assert response.status_code == 200
    text = _visible_text(response.content)
    missing = [fact for fact in SEED_FACTS[path] if fact not in text]
    assert not missing, f"{path} does not show: {missing}"
