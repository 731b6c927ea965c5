"""Rule tables in Korean and English, and the scan that applies them to a script.

Two kinds of rule:

- banned categories (gambling, adult, drugs, violence, hate), severity "block": the
  video is not made;
- misleading claims (cure_claim, guaranteed_return), severity "flag": a disclaimer is
  added and the content may wait for a human's approval.

Claims are checked in every vertical, not only in senior health (cures) and finance
(returns): a "miracle cure" sold in a commerce video or "guaranteed returns" in a tech
video about a coin mislead just as much, and a flag only costs a disclaimer and a look.
The one exception is `guaranteed_return.en.guaranteed`, left out of commerce, where
"guaranteed returns" usually means taking a product back.

Every rule runs on every script, whatever its language: a Korean script may spell
"casino" in Latin letters. Rule ids read `category.language.name`.

How false positives are kept down, since a wrong block stops a legitimate video:

- Korean is matched on stems with no word boundary (particles glue on: "도박을",
  "도박은"), so stems that also start harmless words are fenced off by look-aheads:
  마약김밥 (a dish), 마약성 진통제 (opioid painkillers), 대마도 (Tsushima), 대마불사,
  병신년 (a year's name), 러시안 룰렛.
- English terms are word-bounded, and violence rules need a threat or an instruction
  ("how to make a bomb", "I will kill you"), not a war or a battle in a history video.
- Comparisons are not promotion: "investing like gambling", "도박처럼", "도박과 같".
- A negated mention does not fire (`_negated`): "주식은 도박이 아닙니다", "수익률은
  보장되지 않습니다", "there are no guaranteed returns", "returns are not guaranteed".
- A sentence about fighting a banned thing does not fire for gambling, adult content
  and drugs (`_CONTEXTS`): "도박 중독 상담", "drug addiction treatment", "성매매 단속".
  A claim quoted in a warning does not fire either: "원금 보장을 약속하면 사기입니다",
  "beware of anyone promising guaranteed returns".
- Hate rules list slurs and dehumanising phrases only, and are never negated.

Known limits: matching is lexical. Spaced or disguised spellings ("카 지 노", "c4sino"),
euphemisms, claims made by implication and hate without a listed slur or phrase get
through (a model review, when configured, is the second line). A harm-reduction or
warning word anywhere in the sentence exempts it ("카지노 중독 걱정 없이 즐기세요"
passes), and a negation within the clause does too, which a deliberate writer could
exploit. The other way round, a neutral mention is blocked when it has no such word: a
legal casino named in the news ("강원랜드 카지노"), a drug in a history video
("Coca-Cola once contained cocaine"), a threat quoted from history ("we will kill them
all"). Legitimate product terms are flagged for a look ("원금 보장형 상품", "a risk-free
investment" about treasury bills). An all-lower-case English hashtag ("#onlinecasino")
is one word to the word-bounded English rules; Korean hashtags match as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autoclip.options import Language, Vertical
from autoclip.safety.report import Category, SafetyFlag, Severity
from autoclip.safety.text import Segment


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    severity: Severity
    language: Language
    pattern: re.Pattern[str]
    verticals: frozenset[Vertical] | None = None  # None: every vertical
    negatable: bool = True  # a negated mention ("... 아닙니다", "no ...") does not fire

    def applies_to(self, vertical: Vertical) -> bool:
        return self.verticals is None or vertical in self.verticals


def _ko(*alternatives: str) -> re.Pattern[str]:
    """Korean alternatives, matched anywhere: stems carry particles and endings."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


def _en(*alternatives: str) -> re.Pattern[str]:
    """English alternatives as whole words, case-insensitive."""
    return re.compile(r"\b(?:" + "|".join(f"(?:{a})" for a in alternatives) + r")\b", re.I)


_BLOCK: Severity = "block"
_FLAG: Severity = "flag"
KO, EN = Language.KO, Language.EN
C = Category

RULES: tuple[Rule, ...] = (
    # --- gambling ---------------------------------------------------------------------
    Rule(
        "gambling.ko.gambling",
        C.GAMBLING,
        _BLOCK,
        KO,
        # A comparison ("도박처럼", "도박과 같은", "도박이나 다름없") is a warning in finance
        # videos, not promotion.
        _ko(r"도박(?!\s?처럼|\s?과\s?(같|다름|다를|마찬가지)|\s?이나\s?다름)"),
    ),
    Rule(
        "gambling.ko.casino",
        C.GAMBLING,
        _BLOCK,
        KO,
        _ko(r"카지노|바카라|슬롯\s?머신|블랙잭|홀덤|(?<!러시안\s)(?<!러시안)룰렛"),
    ),
    Rule(
        "gambling.ko.betting",
        C.GAMBLING,
        _BLOCK,
        KO,
        # "배팅" alone is also baseball's batting, so only with a betting word after it.
        _ko(
            r"베팅|배팅\s?(사이트|방법|노하우|픽)|토토\s?사이트|사설\s?토토|먹튀\s?검증|스포츠\s?도박"
        ),
    ),
    Rule(
        "gambling.en.gambling",
        C.GAMBLING,
        _BLOCK,
        EN,
        # "gamble" is mostly figurative ("buying a house is a gamble", "gamble on a new
        # product"), so only gambling itself, its players, and gambling on games of chance;
        # "is gambling", "like gambling" judge an investment rather than promote a casino.
        _en(
            r"(?<!like\s)(?<!as\s)(?<!\bis\s)(?<!'s\s)(?<!just\s)(?<!pure\s)gambling"
            r"(?!\s+with\s+(?:your|their|our|his|her))",
            r"gamblers?",
            r"gambl(?:e|es|ed)\s+(?:online|at\s+(?:a|the)\s+casino|on\s+(?:sports|games|horses"
            r"|cards|slots))",
        ),
    ),
    Rule(
        "gambling.en.casino",
        C.GAMBLING,
        _BLOCK,
        EN,
        _en(
            r"casinos?(?!\s+royale)",
            r"baccarat",
            r"blackjack",
            r"(?<!russian\s)roulette",
            r"slot\s+machines?",
            r"online\s+(?:slots|poker)",
        ),
    ),
    Rule(
        "gambling.en.betting",
        C.GAMBLING,
        _BLOCK,
        EN,
        _en(
            r"sports?\s+betting",
            r"betting\s+(?:sites?|tips|odds|apps?|lines?|strateg(?:y|ies))",
            r"place\s+(?:a\s+|your\s+)?bets?",
            r"bookies|bookmakers?",
        ),
    ),
    # --- adult ------------------------------------------------------------------------
    Rule(
        "adult.ko.explicit",
        C.ADULT,
        _BLOCK,
        KO,
        _ko(
            r"야동|포르노|음란물|몸캠|노출\s?방송",
            r"성인\s?(방송|사이트|영상|화상|채팅)",
            r"19금",
            r"조건\s?만남|성매매|원나잇",
        ),
    ),
    Rule(
        "adult.en.explicit",
        C.ADULT,
        _BLOCK,
        EN,
        _en(
            r"porn\w*",
            r"xxx",
            r"nudes",
            r"nude\s+(?:photos?|pics?|videos?|cams?)",
            r"sex\s+(?:cams?|tapes?|chats?|videos?)",
            r"cam\s?girls?",
            r"onlyfans",
            r"escort\s+(?:services?|agency|agencies|girls?)",
            r"hook\s?up\s+(?:sites?|apps?)",
            r"nsfw",
            r"erotic\s+(?:videos?|massages?)",
        ),
    ),
    # --- illegal drugs ----------------------------------------------------------------
    Rule(
        "drugs.ko.narcotics",
        C.DRUGS,
        _BLOCK,
        KO,
        _ko(
            # 마약김밥 and friends are dishes "as addictive as a drug"; 마약성 진통제 are
            # prescribed opioid painkillers.
            r"마약(?!\s?(성|김밥|떡볶이|옥수수|토스트|베개|쿠션|매트|빵|계란|치킨|소스|라면|국수|만두|핫도그))",
            r"필로폰|히로뽕|메스암페타민|코카인|헤로인|엑스터시|물뽕",
            # 대마도 is Tsushima island, 대마불사 a baduk proverb ("too big to fail").
            r"대마초|마리화나|대마(?!도|불사|왕)",
        ),
    ),
    Rule(
        "drugs.en.narcotics",
        C.DRUGS,
        _BLOCK,
        EN,
        # Cannabis alone is left out: it is legal in many English-speaking places and a
        # finance video on cannabis stocks is legitimate. Buying or growing it is not.
        _en(
            r"cocaine|heroin|methamphetamine|crystal\s+meth|meth|mdma|lsd",
            r"ecstasy\s+pills?|molly\s+pills?",
            r"(?:buy|sell|get|grow|cook|make|score)\s+(?:some\s+)?"
            r"(?:weed|cannabis|marijuana|meth|cocaine|heroin|drugs|lsd|mdma|acid)",
        ),
    ),
    # --- violence ---------------------------------------------------------------------
    Rule(
        "violence.ko.weapons",
        C.VIOLENCE,
        _BLOCK,
        KO,
        _ko(
            r"(폭탄|폭발물|사제\s?총|총기|화염병|독극물|독약)(을|를)?\s?(만드는|만들|제조하는|제작하는)\s?(방법|법)",
            r"(폭탄|폭발물|화염병|사제\s?총)\s?(제조|제작)\s?(법|방법)",
            r"사제\s?폭탄",
        ),
    ),
    Rule(
        "violence.ko.threat",
        C.VIOLENCE,
        _BLOCK,
        KO,
        _ko(r"죽여\s?(버리|버릴|버려)|죽어\s?마땅|죽어\s?버려|죽여야\s?(한다|합니다|해)"),
    ),
    Rule(
        "violence.ko.how_to_kill",
        C.VIOLENCE,
        _BLOCK,
        KO,
        _ko(
            r"(사람|상대|남편|아내|이웃)(을|를)?\s?(죽이는|살해하는|해치는)\s?(방법|법)",
            r"살인\s?(방법|수법|하는\s?법)|완전\s?범죄\s?(방법|수법)",
        ),
    ),
    Rule(
        "violence.ko.self_harm",
        C.VIOLENCE,
        _BLOCK,
        KO,
        _ko(r"자살\s?(방법|하는\s?법)|목숨을\s?끊는\s?(방법|법)|자해\s?(방법|하는\s?법)"),
    ),
    Rule(
        "violence.en.weapons",
        C.VIOLENCE,
        _BLOCK,
        EN,
        _en(
            r"how\s+to\s+(?:make|build)\s+(?:a\s+|an\s+)?"
            r"(?:bomb|pipe\s+bomb|molotov(?:\s+cocktail)?|explosives?|ghost\s+gun|napalm)",
            r"pipe\s+bombs?|homemade\s+(?:bombs?|explosives?)",
        ),
    ),
    Rule(
        "violence.en.threat",
        C.VIOLENCE,
        _BLOCK,
        EN,
        # A threat or a call needs a speaker and a target: "millions were killed in the war"
        # and "the battle of Hastings" stay ok.
        _en(
            r"(?:i|we)(?:'ll|\s+will|\s+am\s+going\s+to|\s+are\s+going\s+to|\s+gonna|\s+wanna"
            r"|\s+want\s+to|\s+should|\s+must)\s+(?:kill|shoot|stab|murder)\s+"
            r"(?:you|him|her|them|everyone|all\s+of)",
            r"(?:you|they|he|she)\s+(?:should|must|deserves?\s+to|need\s+to)\s+"
            r"(?:die|be\s+killed|be\s+shot)",
            r"kill\s+yoursel(?:f|ves)|kys",
            r"shoot\s+up\s+(?:a|the|your|their|our)\s+"
            r"(?:school|church|mosque|synagogue|temple|office|mall)",
        ),
    ),
    Rule(
        "violence.en.how_to_kill",
        C.VIOLENCE,
        _BLOCK,
        EN,
        _en(
            r"how\s+to\s+(?:kill|murder|poison|strangle)\s+"
            r"(?:someone|somebody|a\s+person|people|your)",
            r"ways\s+to\s+(?:kill|murder|hurt)\s+(?:someone|somebody|people)",
        ),
    ),
    Rule(
        "violence.en.self_harm",
        C.VIOLENCE,
        _BLOCK,
        EN,
        _en(
            r"(?:how|ways)\s+to\s+"
            r"(?:kill\s+yourself|commit\s+suicide|end\s+your\s+life|self[-\s]harm)",
            r"suicide\s+methods?",
        ),
    ),
    # --- hate -------------------------------------------------------------------------
    Rule(
        "hate.ko.slur",
        C.HATE,
        _BLOCK,
        KO,
        _ko(
            r"짱깨|짱께|쪽바리|쪽발이|똥남아|흑형|깜둥이|니거|전라디언|똥꼬충",
            r"한남충|김치녀|된장녀|맘충|급식충|틀딱|틀니\s?딱딱",
            r"홍어\s?(새끼|족)|조선족\s?(것들|놈들)",
            # 병신년 and 병신정변 name years and events in history videos.
            r"병신(?!년|양요|정변)",
        ),
        negatable=False,
    ),
    Rule(
        "hate.ko.dehumanizing",
        C.HATE,
        _BLOCK,
        KO,
        _ko(
            r"(흑인|무슬림|이슬람|조선족|중국인|일본인|외국인|이민자|난민|동성애자|성소수자|장애인|노인|유대인)"
            r"(들)?(은|는|이|가)?\s?(모두|다|전부)?\s?"
            # The noun must be the predicate: "노인이 쓰레기를 줍는" (seniors picking up
            # litter) is a kind deed.
            r"((벌레|바퀴벌레|기생충|쓰레기|짐승)(이다|입니다|이에요|이야|야|다|들)"
            r"|박멸|추방해야|죽어야|사라져야|없어져야)"
        ),
        negatable=False,
    ),
    Rule(
        "hate.en.slur",
        C.HATE,
        _BLOCK,
        EN,
        _en(
            r"n[i1]gg(?:er|a|ers|as|az)",
            r"kikes?",
            r"chinks?(?!\s+in\b)",  # "a chink in the armour"
            r"spics?(?!\s+(?:and|&|n)\s+span)",
            r"wetbacks?|gooks?|towelheads?|ragheads?|pakis?",
            r"faggots?",
        ),
        negatable=False,
    ),
    Rule(
        "hate.en.dehumanizing",
        C.HATE,
        _BLOCK,
        EN,
        _en(
            r"(?:immigrants|refugees|muslims|jews|blacks|gays|asians|mexicans|old\s+people"
            r"|the\s+elderly|boomers)\s+(?:are|is)\s+(?:all\s+)?"
            r"(?:vermin|animals|rats|cockroaches|parasites|subhuman|a\s+disease|a\s+plague|scum)",
            r"(?:gas|exterminate|deport\s+all|kill\s+all)\s+(?:the\s+)?"
            r"(?:jews|muslims|immigrants|gays|blacks|refugees)",
        ),
        negatable=False,
    ),
    # --- cure claims ------------------------------------------------------------------
    Rule(
        "cure_claim.ko.total_cure",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        _ko(
            # "완치율" (cure rate) is a statistic, not a promise.
            r"(100\s?%|백\s?퍼센트|백퍼)\s?(완치(?![율률])|치료|효과|낫)",
            r"(무조건|확실히|확실하게|완벽하게|단번에|한\s?번에)\s?(완치(?![율률])|낫|나아|나았|고[쳐치칩친]|사라[지집진])",
            r"(\d+\s?(일|주|주일|달|개월)|하루|이틀|사흘|일주일|한\s?달)\s?만에\s?(완치|싹)",
            r"완치(를|가)?\s?(보장|약속)",
        ),
    ),
    Rule(
        "cure_claim.ko.miracle",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        _ko(
            r"기적의\s?(약|치료|음식|식품|효과|비법|주스|차|물|영양제|건강법|운동|열매|약초)",
            r"기적처럼\s?(낫|나아|좋아|사라)",
            r"만병\s?통치|특효약",
        ),
    ),
    Rule(
        "cure_claim.ko.no_medicine",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        _ko(
            r"약\s?(을\s?)?(먹지\s?않고|안\s?먹고|없이|끊고)\s?(도\s?)?(완치|낫|나아|나을|나았|치료|고[쳐치칩칠]|좋아|정상)",
            r"약(을)?\s?(끊으세요|끊어도\s?(됩|돼|된))",
        ),
    ),
    Rule(
        "cure_claim.ko.disease",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        # A disease said to vanish, melt or be cured; "고혈압을 낮추는", "치매를 예방하는"
        # (lowering, preventing) stay ok.
        _ko(
            r"(암|암세포|당뇨|당뇨병|고혈압|치매|관절염|파킨슨|알츠하이머|백내장|녹내장)"
            r"(이|가|을|를|도)?\s?(싹|완전히|깨끗이|말끔히)?\s?"
            r"(완치(?![율률])|사라[지집진]|녹[여이입인는]|없[애앱앤]|없어[지집진]|죽[이입인일]|고[쳐치칩친]"
            r"|낫[게는습]|나았)"
        ),
    ),
    Rule(
        "cure_claim.ko.hidden_truth",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        _ko(
            r"의사들?(이|도)?\s?(숨기는|말하지\s?않는|알려\s?주지\s?않는|싫어하는)",
            r"병원에서?(는)?\s?(알려\s?주지|말해\s?주지)\s?않는",
        ),
        negatable=False,  # the claim is itself phrased with "않는"
    ),
    Rule(
        "cure_claim.ko.anti_aging",
        C.CURE_CLAIM,
        _FLAG,
        KO,
        _ko(
            r"(노화|나이)(를|을)?\s?(되돌[리립린려]|거꾸로|멈[추춥춘춰])",
            r"회춘",
            r"젊어지는\s?(비법|기적|약)",
            r"(\d+|열|스무|십)\s?(살|년)\s?(은\s?|더\s?)?(젊어|어려)지",
        ),
    ),
    Rule(
        "cure_claim.en.miracle",
        C.CURE_CLAIM,
        _FLAG,
        EN,
        _en(
            r"miracle\s+(?:cure|pill|drug|remed(?:y|ie)|food|supplement|treatment|fruit|juice"
            r"|herb|tea|diet|oil|root|spice|vitamin)s?",
            r"cure[-\s]alls?|panaceas?",
            r"magic\s+(?:pill|bullet|cure)s?",
        ),
    ),
    Rule(
        "cure_claim.en.total_cure",
        C.CURE_CLAIM,
        _FLAG,
        EN,
        _en(
            r"100\s?%\s+(?:cure|cured|effective|natural\s+cure)",
            r"(?:cures?|cured|heals?|healed|reverses?|reversed|eliminates?|eradicates?"
            r"|gets?\s+rid\s+of)\s+(?:your\s+|the\s+)?(?:cancer|diabetes|dementia|alzheimer'?s"
            r"|arthritis|parkinson'?s|high\s+blood\s+pressure|hypertension|heart\s+disease"
            r"|all\s+diseases|any\s+disease|everything)",
        ),
    ),
    Rule(
        "cure_claim.en.no_medicine",
        C.CURE_CLAIM,
        _FLAG,
        EN,
        _en(
            r"(?:cure|heal|fix|treat|beat|reverse|get\s+rid\s+of)\w*\b[^.!?]{0,40}\bwithout\s+"
            r"(?:any\s+)?(?:medication|medicine|meds|pills|drugs|surgery|insulin|a\s+doctor)",
            r"(?:throw\s+away|stop\s+taking|ditch|quit)\s+(?:your\s+|all\s+your\s+)?"
            r"(?:pills|medications?|meds|insulin|blood\s+pressure\s+pills)",
        ),
    ),
    Rule(
        "cure_claim.en.hidden_truth",
        C.CURE_CLAIM,
        _FLAG,
        EN,
        _en(
            r"doctors?\s+(?:hate|don't\s+want\s+you\s+to\s+know|won't\s+tell\s+you)",
            r"(?:big\s+pharma|pharmaceutical\s+companies|drug\s+companies)\s+"
            r"(?:doesn't|don't|won't|does\s+not|do\s+not)\s+want\s+you\s+to\s+know",
            r"(?:one|this)\s+weird\s+trick",
        ),
        negatable=False,  # the claim is itself phrased with "don't"
    ),
    Rule(
        "cure_claim.en.anti_aging",
        C.CURE_CLAIM,
        _FLAG,
        EN,
        _en(
            r"revers(?:e|es|ed|ing)\s+(?:the\s+)?(?:aging|ageing)(?:\s+process)?",
            r"reverse\s+your\s+(?:age|biological\s+age)",
            r"turn\s+back\s+the\s+clock\s+on\s+(?:aging|ageing|your\s+age)",
        ),
    ),
    # --- guaranteed returns -----------------------------------------------------------
    Rule(
        "guaranteed_return.ko.principal",
        C.GUARANTEED_RETURN,
        _FLAG,
        KO,
        _ko(r"원금(이|을|은|도)?\s?(100\s?%\s?)?(보장|보존|지켜\s?드립)"),
    ),
    Rule(
        "guaranteed_return.ko.sure_profit",
        C.GUARANTEED_RETURN,
        _FLAG,
        KO,
        # "확정 금리" (a fixed deposit rate) is a product term, so 금리 is not listed.
        _ko(
            r"(무조건|확정|보장된|확실한|100\s?%)\s?(수익|이익|고수익|수익률|이자|배당)",
            r"(수익|이익|수익률|고수익|배당)(은|는|이|가|을|를)?\s?(100\s?%\s?)?(무조건\s?)?(보장|확정)",
            r"(무조건|반드시)\s?(오르는|오릅|오른다|올라|오를|돈을\s?법|돈\s?버는|돈을\s?벌)",
        ),
    ),
    Rule(
        "guaranteed_return.ko.no_loss",
        C.GUARANTEED_RETURN,
        _FLAG,
        KO,
        _ko(
            r"(손실|손해)(이|을|은|는)?\s?(0|제로|전혀\s?없|절대\s?없|날\s?일이\s?없|볼\s?일이\s?없|걱정\s?없)",
            r"절대\s?(안|못)\s?잃|잃을\s?(일|수)(이|가|는)?\s?없",
            r"(리스크|위험)(이|가)?\s?(0|제로|없는|없이)\s?(투자|수익|재테크|고수익)",
        ),
    ),
    Rule(
        "guaranteed_return.ko.multiply",
        C.GUARANTEED_RETURN,
        _FLAG,
        KO,
        _ko(
            r"(돈|자산|원금|투자금)(을|이)?\s?(두|세|열|2|3|10)\s?배(로)?\s?(불려|불리|만들어|늘려|뻥튀기|돼|됩|된다)",
            r"(두|세|2|3|10)\s?배\s?(수익|보장)",
            r"(대박|급등)\s?(종목|코인)?\s?(보장|확정)",
        ),
    ),
    Rule(
        "guaranteed_return.en.guaranteed",
        C.GUARANTEED_RETURN,
        _FLAG,
        EN,
        _en(
            r"guaranteed\s+(?:\d+(?:\.\d+)?\s?%\s+)?(?:returns?|profits?|income|gains?|payouts?"
            r"|yields?|interest|dividends?)",
            # "returns are (fully) guaranteed", but never "returns are not guaranteed".
            r"(?:returns?|profits?|gains?|income|payouts?)\s+(?:are|is)\s+"
            r"(?:(?!not\b|never\b)\w+\s+)?guaranteed",
            r"guaranteed\s+to\s+(?:double|triple|grow|rise|go\s+up|make\s+you\s+(?:money|rich))",
        ),
        # In commerce "guaranteed returns" is taking a product back.
        verticals=frozenset(Vertical) - {Vertical.COMMERCE},
    ),
    Rule(
        "guaranteed_return.en.risk_free",
        C.GUARANTEED_RETURN,
        _FLAG,
        EN,
        _en(
            r"(?:risk[-\s]free|riskless|no[-\s]risk|zero[-\s]risk)\s+"
            r"(?:profits?|returns?|income|gains?|investments?|trading|money)",
            r"(?:can't|cannot|can\s+never|will\s+never|won't\s+ever)\s+lose\s+"
            r"(?:money|a\s+(?:single\s+)?(?:cent|penny|dollar|won))",
        ),
    ),
    Rule(
        "guaranteed_return.en.multiply",
        C.GUARANTEED_RETURN,
        _FLAG,
        EN,
        _en(
            r"double\s+(?:or\s+(?:even\s+)?triple\s+)?your\s+(?:money|investment|savings)",
            r"(?:10|ten)x\s+your\s+(?:money|investment|savings)",
            r"get[-\s]rich[-\s]quick",
            r"(?:stocks?|coins?|tokens?)\s+(?:that\s+)?(?:will|is\s+going\s+to|are\s+going\s+to)"
            r"\s+(?:10x|moon|skyrocket)",
        ),
    ),
)

# Sentences that fight a banned thing rather than promote it: news of a crackdown, a
# treatment or prevention message. Only for gambling, adult content and drugs: violence
# and hate rules already need a threat, an instruction or a slur.
_HARM_REDUCTION = re.compile(
    r"중독|예방|치료|재활|단속|처벌|검거|적발|신고|근절|퇴치|상담|구속|압수|밀수|피해자|위험성"
    r"|문제|폐해|폐단|해악"
    r"|\b(?:addict\w*|overdos\w*|rehab\w*|prevent\w*|treatment|helplines?|hotlines?|arrest\w*"
    r"|seiz\w*|crackdowns?|sentenced|convicted|smuggl\w*|victims?|dangers\s+of|problems?"
    r"|harms?)\b",
    re.IGNORECASE,
)
# A claim quoted in order to warn about it.
_WARNING = re.compile(
    # "주의" only as a word of its own: 자본주의 and 민주주의 end with it.
    r"사기|(?<![가-힣])주의|조심|속지|의심|경고|거짓|허위|과장|가짜|현혹|유혹|다단계|폰지"
    r"|\b(?:scams?|fraud\w*|schemes?|ponzi|pyramid|red\s+flags?|beware|warn\w*"
    r"|too\s+good\s+to\s+be\s+true|myths?|misleading|false|lies|avoid|be\s+(?:wary|careful"
    r"|skeptical|sceptical|cautious)|don't\s+(?:believe|trust|fall\s+for))\b",
    re.IGNORECASE,
)
_CONTEXTS: dict[Category, re.Pattern[str]] = {
    C.GAMBLING: _HARM_REDUCTION,
    C.ADULT: _HARM_REDUCTION,
    C.DRUGS: _HARM_REDUCTION,
    C.CURE_CLAIM: _WARNING,
    C.GUARANTEED_RETURN: _WARNING,
}

# Korean negates after the word: "보장되지 않습니다", "도박이 아닙니다", "보장할 수 없습니다".
_KO_NEGATION = re.compile(
    r"않|없|아니|아닙|아님|못\s?(하|합|해|한|됩|돼|된)|마세요|마십시오|말고|말아|말라|안\s?(돼|됩|된|되)"
    r"|금물|불가능"
)
_KO_NEGATION_WINDOW = 10  # characters after the match: "치료하는 약은 아직 없습니다"
# English negates before: "there are no guaranteed returns", "never stop taking your pills".
_EN_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|neither|nor|without|cannot)\b|n't\b", re.I
)
_EN_NEGATION_WORDS = 4  # words before the match: "no one can promise guaranteed returns"
_EN_DENIED_AFTER = re.compile(
    r"^\W{0,3}(?:\w+\s+){0,2}(?:do\s+not|don't|does\s+not|doesn't|are\s+not|aren't|is\s+not"
    r"|isn't)\s+(?:exist|real|work)",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"[,;:·—]")


def _negated(rule: Rule, text: str, match: re.Match[str]) -> bool:
    """Whether the match is denied in its own clause."""
    if rule.language is Language.KO:
        after = _CLAUSE_BREAK.split(text[match.end() :], maxsplit=1)[0]
        return bool(_KO_NEGATION.search(after[:_KO_NEGATION_WINDOW]))
    before = _CLAUSE_BREAK.split(text[: match.start()])[-1]
    window = " ".join(before.split()[-_EN_NEGATION_WORDS:])
    if _EN_NEGATION.search(window):
        return True
    after = _CLAUSE_BREAK.split(text[match.end() :], maxsplit=1)[0]
    return bool(_EN_DENIED_AFTER.match(after))


def _fires(rule: Rule, text: str) -> bool:
    """Whether `rule` finds a mention in `text` that is not negated."""
    for match in rule.pattern.finditer(text):
        if not (rule.negatable and _negated(rule, text, match)):
            return True
    return False


def scan(found: list[Segment], vertical: Vertical) -> list[SafetyFlag]:
    """The rules' flags on the sentences of a script, in script order.

    Each sentence is reported once per category (the first rule that fires names it),
    however many fields repeat it.
    """
    rules = [rule for rule in RULES if rule.applies_to(vertical)]
    flags: list[SafetyFlag] = []
    seen: set[tuple[str, str]] = set()
    for segment in found:
        for rule in rules:
            key = (rule.category.value, segment.sentence)
            if key in seen:
                continue
            context = _CONTEXTS.get(rule.category)
            if context is not None and context.search(segment.probe):
                continue
            if _fires(rule, segment.probe):
                seen.add(key)
                flags.append(
                    SafetyFlag(
                        category=rule.category.value,
                        severity=rule.severity,
                        sentence=segment.sentence,
                        rule=rule.id,
                        source="rules",
                        location=segment.location,
                    )
                )
    return flags
