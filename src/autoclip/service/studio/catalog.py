"""Every word the studio shows, in English and Korean, side by side.

One entry holds both languages, so a string cannot exist in one and be missing in the
other (a page is never half translated). Placeholders are `str.format` fields; the same
fields in both languages (tests/studio/test_catalog.py checks it).
"""

from __future__ import annotations

# key: (English, Korean)
MESSAGES: dict[str, tuple[str, str]] = {
    # -- frame ----------------------------------------------------------------------------
    "app.name": ("AutoClip Studio", "AutoClip 스튜디오"),
    "app.skip": ("Skip to the content", "본문으로 건너뛰기"),
    "nav.label": ("Main", "주 메뉴"),
    "nav.dashboard": ("Dashboard", "대시보드"),
    "nav.new": ("New video", "새 영상"),
    "nav.projects": ("Projects", "프로젝트"),
    "nav.media": ("Media", "미디어"),
    "nav.keys": ("API keys", "API 키"),
    "nav.usage": ("Usage", "사용량"),
    "nav.account": ("Account", "계정"),
    "nav.logout": ("Log out", "로그아웃"),
    "nav.login": ("Log in", "로그인"),
    "nav.signup": ("Sign up", "회원가입"),
    "lang.label": ("Display language", "표시 언어"),
    "lang.switch": ("Change", "변경"),
    "lang.ko": ("한국어", "한국어"),
    "lang.en": ("English", "English"),
    "common.save": ("Save", "저장"),
    "common.cancel": ("Cancel", "취소"),
    "common.delete": ("Delete", "삭제"),
    "common.back": ("Back", "이전"),
    "common.next": ("Next", "다음"),
    "common.copy": ("Copy", "복사"),
    "common.copied": ("Copied", "복사됨"),
    "common.none": ("None yet.", "아직 없습니다."),
    "common.error_summary": (
        "Please fix the fields marked below.",
        "아래 표시된 항목을 고쳐 주세요.",
    ),
    "common.yes": ("Yes", "예"),
    "common.no": ("No", "아니요"),
    "common.default": ("Default", "기본"),
    "common.project_default": ("As the project says", "프로젝트 설정대로"),
    "common.server_default": ("As the server is configured", "서버 설정대로"),
    # -- errors ---------------------------------------------------------------------------
    "error.not_found": ("Not found", "찾을 수 없습니다"),
    "error.not_found_text": (
        "There is nothing here, or it is not yours to see.",
        "없는 항목이거나 볼 수 있는 권한이 없습니다.",
    ),
    "error.csrf": (
        "The form was too old or came from elsewhere. Please try again.",
        "양식이 오래되었거나 다른 곳에서 보내졌습니다. 다시 시도해 주세요.",
    ),
    "error.rate_limited": (
        "Too many attempts. Try again in {seconds} seconds.",
        "시도가 너무 많습니다. {seconds}초 후에 다시 시도해 주세요.",
    ),
    "error.conflict": (
        "This cannot be done now: {detail}",
        "지금은 할 수 없습니다: {detail}",
    ),
    "error.out_of_credits": (
        "You have no credits left for this. Your plan's credits renew each month.",
        "크레딧이 부족합니다. 요금제의 크레딧은 매달 충전됩니다.",
    ),
    "error.generic": ("Something went wrong: {detail}", "문제가 생겼습니다: {detail}"),
    "error.unavailable": (
        "The service is busy or restarting. Try again shortly.",
        "서비스가 바쁘거나 다시 시작하는 중입니다. 잠시 후 다시 시도해 주세요.",
    ),
    # An API problem's detail, by its type (and the field it names), as a page says it
    # (forms.problem_words). English pages keep the API's own, more precise sentence;
    # the Korean words stand for it, so that a Korean page never shows the English detail.
    "problem.bad-request": (
        "This request cannot be handled. Check what you entered.",
        "요청을 처리할 수 없습니다. 입력한 값을 확인해 주세요.",
    ),
    "problem.not-found": (
        "Not found: it does not exist or is not yours.",
        "찾을 수 없습니다. 없거나 내 것이 아닌 항목입니다.",
    ),
    "problem.not-found.picture_id": (
        "This picture is not in your media library. Choose one of its images or clips.",
        "이 그림은 내 미디어 보관함에 없습니다. 보관함의 이미지나 클립을 골라 주세요.",
    ),
    "problem.not-found.music_id": (
        "This music is not in your media library. Choose one of its music files.",
        "이 음악은 내 미디어 보관함에 없습니다. 보관함의 음악을 골라 주세요.",
    ),
    "problem.already-verified": (
        "This email address is confirmed already: sign in.",
        "이미 확인된 이메일 주소입니다. 로그인해 주세요.",
    ),
    "problem.email-not-verified": (
        "Confirm your email address first: the mail has a link.",
        "먼저 이메일 주소를 확인해 주세요. 메일에 링크가 있습니다.",
    ),
    "problem.invalid-token": (
        "The link is wrong or expired. Ask for a new one.",
        "링크가 맞지 않거나 만료되었습니다. 새 링크를 받아 주세요.",
    ),
    "problem.unauthorized": ("Please sign in again.", "다시 로그인해 주세요."),
    "problem.conflict": (
        "This cannot be done in the current state. Reload the page and try again.",
        "지금 상태에서는 할 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    ),
    "problem.conflict.file": (
        "Your media library is full. Delete some files, then upload again.",
        "미디어 보관함이 가득 찼습니다. 파일을 몇 개 지운 뒤 다시 올려 주세요.",
    ),
    "problem.validation-error": ("This value is not valid.", "올바르지 않은 값입니다."),
    "problem.validation-error.file": (
        "This file cannot be taken: images (PNG, JPEG, WebP), clips (MP4, MOV, WebM) and "
        "music (MP3, WAV, M4A, Ogg) within the size, pixel and length limits.",
        "받을 수 없는 파일입니다. 이미지(PNG, JPEG, WebP), 클립(MP4, MOV, WebM), "
        "음악(MP3, WAV, M4A, Ogg)을 크기·화소·길이 제한 안에서 올려 주세요.",
    ),
    "problem.validation-error.picture_id": (
        "A scene's picture is an image or clip of your media library.",
        "장면의 그림은 미디어 보관함의 이미지나 클립이어야 합니다.",
    ),
    "problem.validation-error.music_id": (
        "Background music is a music file of your media library.",
        "배경 음악은 미디어 보관함의 음악 파일이어야 합니다.",
    ),
    "problem.validation-error.visuals": (
        "To use your library's pictures, upload images or clips to your media library first.",
        "보관함의 그림을 쓰려면 먼저 미디어 보관함에 이미지나 클립을 올려 주세요.",
    ),
    "problem.validation-error.scenes": (
        "Too many scenes, or the script is too long. Use fewer scenes.",
        "장면이 너무 많거나 대본이 너무 깁니다. 장면을 줄여 주세요.",
    ),
    "problem.validation-error.voice": (
        "This voice cannot be used. Choose one from the list.",
        "이 목소리는 쓸 수 없습니다. 목록에서 골라 주세요.",
    ),
    "problem.validation-error.url": (
        "This web address cannot be fetched. Give a public http(s) address.",
        "가져올 수 없는 웹 주소입니다. 공개된 http(s) 주소를 넣어 주세요.",
    ),
    "problem.validation-error.template": (
        "Choose a template from the list.",
        "템플릿을 목록에서 골라 주세요.",
    ),
    "problem.validation-error.email": (
        "This is not an email address.",
        "올바른 이메일 주소가 아닙니다.",
    ),
    "problem.validation-error.token": (
        "The code is wrong or expired. Ask for a new link.",
        "확인 코드가 맞지 않거나 만료되었습니다. 새 링크를 받아 주세요.",
    ),
    "problem.validation-error.password": (
        "The password breaks the rules. Make it longer and harder to guess.",
        "비밀번호가 규칙에 맞지 않습니다. 더 길고 추측하기 어렵게 정해 주세요.",
    ),
    "problem.validation-error.new_password": (
        "The new password breaks the rules. Make it longer and harder to guess.",
        "새 비밀번호가 규칙에 맞지 않습니다. 더 길고 추측하기 어렵게 정해 주세요.",
    ),
    "problem.validation-error.Idempotency-Key": (
        "The same form was sent again with other values. Reload the page.",
        "같은 양식이 다른 내용으로 다시 보내졌습니다. 페이지를 새로 고쳐 주세요.",
    ),
    "problem.out-of-credits": (
        "You have no credits left for this. Your plan's credits renew each month.",
        "크레딧이 부족합니다. 요금제의 크레딧은 매달 충전됩니다.",
    ),
    "problem.forbidden": ("You may not do this.", "이 작업을 할 권한이 없습니다."),
    "problem.reauthentication-required": (
        "For your safety, enter your password again.",
        "보안을 위해 비밀번호를 다시 입력해 주세요.",
    ),
    "problem.wrong-password": ("The password is wrong.", "비밀번호가 맞지 않습니다."),
    "problem.unsupported-media-type": (
        "Files of this type cannot be taken.",
        "이 형식의 파일은 받을 수 없습니다.",
    ),
    "problem.rate-limited": (
        "Too many attempts. Try again shortly.",
        "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    ),
    "problem.unavailable": (
        "The service is busy or restarting. Try again shortly.",
        "서비스가 바쁘거나 다시 시작하는 중입니다. 잠시 후 다시 시도해 주세요.",
    ),
    "problem.configuration": (
        "The server lacks a setting this needs. Ask its operator.",
        "서버에 이 작업에 필요한 설정이 없습니다. 운영자에게 문의해 주세요.",
    ),
    "field.required": ("This field is required.", "필수 항목입니다."),
    "field.too_short": (
        "Too short: at least {min} characters.",
        "너무 짧습니다. 최소 {min}자 이상 입력해 주세요.",
    ),
    "field.too_long": (
        "Too long: at most {max} characters.",
        "너무 깁니다. 최대 {max}자까지 입력할 수 있습니다.",
    ),
    "field.choice": ("Choose one of the options.", "보기 중에서 골라 주세요."),
    "field.email": ("This is not an email address.", "올바른 이메일 주소가 아닙니다."),
    "field.url": (
        "Give a web address starting with http:// or https:// and a host name.",
        "http:// 또는 https://로 시작하고 호스트 이름이 있는 주소를 입력해 주세요.",
    ),
    "field.invalid": ("This value is not valid.", "올바르지 않은 값입니다."),
    "field.control": (
        "Remove the invisible control characters.",
        "보이지 않는 제어 문자를 지워 주세요.",
    ),
    "field.weak_password": (
        "This password is too easy to guess. Use a longer phrase of uncommon words.",
        "추측하기 쉬운 비밀번호입니다. 흔하지 않은 단어로 더 긴 문구를 사용해 주세요.",
    ),
    "field.same_password": (
        "This is your current password: choose another one.",
        "현재 비밀번호와 같습니다. 다른 비밀번호를 골라 주세요.",
    ),
    "field.topic_needs_model": (
        "A topic needs a language model (Gemini or OpenAI), and none is configured. Paste a "
        "text or give a web address instead.",
        "주제로 만들려면 언어 모델(Gemini 또는 OpenAI)이 필요한데 설정되어 있지 않습니다. "
        "글을 붙여 넣거나 웹 주소를 입력해 주세요.",
    ),
    # -- sign-up, log-in, verification ---------------------------------------------------
    "login.title": ("Log in", "로그인"),
    "login.email": ("Email", "이메일"),
    "login.password": ("Password", "비밀번호"),
    "login.submit": ("Log in", "로그인"),
    "login.no_account": ("No account yet?", "아직 계정이 없나요?"),
    "login.bad": ("Wrong email or password.", "이메일 또는 비밀번호가 틀렸습니다."),
    "login.locked": (
        "Too many failed log-ins for this email or from here. Try again in {seconds} seconds.",
        "이 이메일 또는 이 곳에서 로그인 실패가 너무 많습니다. {seconds}초 후에 다시 "
        "시도해 주세요.",
    ),
    "login.unverified": (
        "Confirm your email first: open the link we mailed you. No mail? Ask for a new one.",
        "먼저 이메일을 인증해 주세요. 보내 드린 메일의 링크를 열어 주세요. 메일이 없다면 "
        "새로 요청하세요.",
    ),
    "login.resend": ("Mail me a new link", "새 링크 받기"),
    "login.resent": (
        "If this email is waiting for confirmation, a new link is on its way.",
        "인증을 기다리는 이메일이라면 새 링크를 보냈습니다.",
    ),
    "login.logged_out": ("You are logged out.", "로그아웃되었습니다."),
    "signup.title": ("Create your account", "계정 만들기"),
    "signup.name": ("Name", "이름"),
    "signup.password_hint": (
        "At least 8 characters, hard to guess: a phrase of uncommon words works well.",
        "8자 이상, 추측하기 어렵게. 흔하지 않은 단어로 된 문구가 좋습니다.",
    ),
    "signup.submit": ("Sign up", "가입하기"),
    "signup.have_account": ("Already have an account?", "이미 계정이 있나요?"),
    "signup.sent_title": ("Check your mail", "메일을 확인해 주세요"),
    "signup.sent": (
        "We sent a mail to {email}. Open its link to confirm the address, then log in. "
        "If you already had an account, the mail says so.",
        "{email}(으)로 메일을 보냈습니다. 메일의 링크를 열어 주소를 인증한 뒤 로그인해 "
        "주세요. 이미 계정이 있었다면 메일에 그렇게 안내되어 있습니다.",
    ),
    "signup.sent_no_verify": (
        "Your account is ready: log in with the password you chose.",
        "계정이 준비되었습니다. 정한 비밀번호로 로그인해 주세요.",
    ),
    "verify.title": ("Confirm your email", "이메일 인증"),
    "verify.intro": (
        "Press the button to confirm your email address. A code from the mail can be "
        "pasted here too.",
        "버튼을 눌러 이메일 주소를 인증해 주세요. 메일에 있는 코드를 여기에 붙여 넣어도 됩니다.",
    ),
    "verify.token": ("Confirmation code", "인증 코드"),
    "verify.submit": ("Confirm my email", "이메일 인증하기"),
    "verify.done": (
        "Your email is confirmed and your free credits are added. Log in now.",
        "이메일이 인증되었고 무료 크레딧이 지급되었습니다. 이제 로그인하세요.",
    ),
    "verify.invalid": (
        "This link has expired, was replaced by a newer sign-up, or is not ours. Ask for a "
        "new one below.",
        "만료되었거나, 새 가입으로 대체되었거나, 올바르지 않은 링크입니다. 아래에서 새 "
        "링크를 요청하세요.",
    ),
    "verify.already": (
        "This email was confirmed before: log in.",
        "이미 인증된 이메일입니다. 로그인하세요.",
    ),
    # -- dashboard ------------------------------------------------------------------------
    "dash.title": ("Dashboard", "대시보드"),
    "dash.hello": ("Hello, {name}", "{name}님, 안녕하세요"),
    "dash.credits": ("Credits left", "남은 크레딧"),
    "dash.unlimited": ("Unlimited", "무제한"),
    "dash.plan": ("Plan", "요금제"),
    "plan.free": ("Free trial", "무료 체험"),
    "plan.starter": ("Starter", "스타터"),
    "plan.pro": ("Pro", "프로"),
    "plan.business": ("Business", "비즈니스"),
    "plan.enterprise": ("Enterprise", "엔터프라이즈"),
    "dash.by_status": ("Your videos by status", "상태별 영상"),
    "dash.attention": ("Needs your attention", "확인이 필요한 영상"),
    "dash.attention_none": ("Nothing waits for you.", "기다리는 항목이 없습니다."),
    "dash.latest": ("Latest videos", "최근 영상"),
    "dash.empty": (
        "No videos yet. Make your first one.",
        "아직 영상이 없습니다. 첫 영상을 만들어 보세요.",
    ),
    "dash.all": ("All videos ({total})", "전체 영상 ({total})"),
    "dash.untitled": ("(untitled)", "(제목 없음)"),
    "list.title": ("Videos", "영상 목록"),
    "list.page": ("Page {page} of {pages}", "{pages}쪽 중 {page}쪽"),
    "list.newer": ("Newer", "최신"),
    "list.older": ("Older", "이전"),
    # -- statuses and stages --------------------------------------------------------------
    "status.draft": ("Draft", "초안"),
    "status.queued": ("Queued", "대기 중"),
    "status.processing": ("Processing", "만드는 중"),
    "status.review": ("Needs review", "검토 필요"),
    "status.ready": ("Ready", "완성"),
    "status.publishing": ("Publishing", "게시 중"),
    "status.published": ("Published", "게시됨"),
    "status.failed": ("Failed", "실패"),
    "status.cancelled": ("Cancelled", "취소됨"),
    "stage.none": ("Waiting for a worker", "작업자를 기다리는 중"),
    "stage.source": ("Reading the source", "원문 읽는 중"),
    "stage.script": ("Writing the script", "대본 쓰는 중"),
    "stage.safety": ("Checking safety", "안전 검사 중"),
    "stage.narration": ("Recording the narration", "내레이션 녹음 중"),
    "stage.visuals": ("Making the pictures", "장면 이미지 만드는 중"),
    "stage.captions": ("Setting the captions", "자막 만드는 중"),
    "stage.render": ("Rendering the video", "영상 렌더링 중"),
    "stage.thumbnail": ("Making the thumbnail", "썸네일 만드는 중"),
    "stage.publish": ("Saving the files", "파일 저장 중"),
    # -- new-content wizard ---------------------------------------------------------------
    "new.title": ("New video", "새 영상 만들기"),
    "new.step": ("Step {n} of {total}", "{total}단계 중 {n}단계"),
    "new.source": ("Source", "원본"),
    "new.kind": ("Make it from", "만들 재료"),
    "new.kind.text": ("A text I paste", "붙여 넣은 글"),
    "new.kind.url": ("A web page", "웹 페이지"),
    "new.kind.topic": ("A topic", "주제"),
    "new.text": ("Text", "글"),
    "new.text_hint": (
        "At least 20 characters; the script keeps the text's own language.",
        "20자 이상. 대본은 글의 언어를 따릅니다.",
    ),
    "new.url": ("Web address", "웹 주소"),
    "new.topic": ("Topic", "주제"),
    "new.topic_unavailable": (
        "Topics need a language model; this server has none configured.",
        "주제로 만들려면 언어 모델이 필요한데 이 서버에는 설정되어 있지 않습니다.",
    ),
    "new.style": ("Style", "스타일"),
    "new.vertical": ("Field", "분야"),
    "new.tone": ("Tone", "말투"),
    "new.length": ("Length", "길이"),
    "new.aspect": ("Shape", "화면 비율"),
    "new.language": ("Language", "언어"),
    "new.voice_project": ("Voice and project", "목소리와 프로젝트"),
    "new.voice": ("Voice", "목소리"),
    "new.voice_default": ("The language's usual voice", "언어별 기본 목소리"),
    "new.narration": ("Who narrates", "내레이션"),
    "new.narration_voice": ("A voice (above)", "위에서 고른 목소리"),
    "new.narration_mine": ("My recording", "내 녹음"),
    "new.recording_hint": (
        "Read the whole script aloud, scene by scene, and use the recording as the "
        "narration: the captions follow your words. Pauses between scenes are kept.",
        "대본 전체를 장면 순서대로 읽은 녹음을 내레이션으로 씁니다. 자막은 말한 단어를 "
        "따라가고, 장면 사이의 쉼은 그대로 남습니다.",
    ),
    "new.recording_pick": ("A recording from my library", "보관함의 녹음"),
    "new.recording_none": (
        "No recording in your library yet: upload one below",
        "보관함에 녹음이 없습니다: 아래에서 올려 주세요",
    ),
    "new.recording_none_chosen": ("Choose a recording", "녹음을 고르세요"),
    "new.recording_item": ("{name} ({seconds} s)", "{name} ({seconds}초)"),
    "new.recording_upload": (
        "Or upload a recording (WAV, MP3, M4A or Ogg)",
        "또는 녹음 파일 올리기 (WAV, MP3, M4A, Ogg)",
    ),
    "new.recording_choose": (
        "Choose a recording from your library or upload one.",
        "보관함에서 녹음을 고르거나 새로 올려 주세요.",
    ),
    "new.project": ("Project", "프로젝트"),
    "new.providers": ("Providers", "제공자"),
    "new.writer": ("Script writer", "대본 작성"),
    "new.narrator": ("Narrator", "내레이션"),
    "new.visuals": ("Pictures", "이미지"),
    "new.draft": (
        "Quick preview (smaller, faster to make)",
        "빠른 미리보기 (작은 크기, 빠른 제작)",
    ),
    "new.confirm": ("Check and make", "확인 후 만들기"),
    "new.cost": (
        "This video uses {credits} credit of your {balance}; paid providers may spend up "
        "to ${budget} (estimated).",
        "이 영상은 크레딧 {balance}개 중 {credits}개를 사용합니다. 유료 제공자는 최대 "
        "${budget}(추정)까지 사용할 수 있습니다.",
    ),
    "new.credits": (
        "This video uses {credits} credit of your {balance}.",
        "이 영상은 크레딧 {balance}개 중 {credits}개를 사용합니다.",
    ),
    "new.estimated": (
        "Paid providers: about ${cost} (estimated).",
        "유료 제공자 비용: 약 ${cost} (추정).",
    ),
    "new.capped": (
        "The budget stops it at ${budget}; past it, free providers take over.",
        "예산 ${budget}에서 멈추고, 그 뒤로는 무료 제공자가 맡습니다.",
    ),
    "new.estimate_later": (
        "The cost is worked out once every field is right.",
        "모든 항목이 올바르면 비용을 계산해 드립니다.",
    ),
    "new.listen": ("Listen to the voices", "목소리 들어 보기"),
    "new.voice_of": ("{name} ({language})", "{name} ({language})"),
    "new.cost_free": (
        "Only free (offline) providers: no money is spent.",
        "무료(오프라인) 제공자만 써서 비용이 들지 않습니다.",
    ),
    "new.cost_unlimited": (
        "Your plan has unlimited credits.",
        "무제한 크레딧 요금제입니다.",
    ),
    "new.cannot_afford": (
        "You have no credits left: this video cannot be made now.",
        "크레딧이 없어 지금은 영상을 만들 수 없습니다.",
    ),
    "new.submit": ("Make the video", "영상 만들기"),
    "new.pictures": ("Pictures", "그림"),
    "new.pictures_made": ("Designed for each scene", "장면마다 디자인한 그림"),
    "new.pictures_library": (
        "From my media library ({n} images and clips)",
        "내 미디어 보관함에서 (이미지와 클립 {n}개)",
    ),
    "new.music": ("Background music", "배경 음악"),
    "new.music_none": (
        "The project's own, if it has one",
        "프로젝트에 정해 둔 음악 (있으면)",
    ),
    "vertical.senior_health": ("Senior health", "시니어 건강"),
    "vertical.finance": ("Finance", "금융"),
    "vertical.tech": ("Technology", "기술"),
    "vertical.history": ("History", "역사"),
    "vertical.commerce": ("Shopping", "쇼핑"),
    "tone.professional": ("Professional", "전문적"),
    "tone.casual": ("Casual", "친근한"),
    "tone.urgent": ("Urgent", "긴박한"),
    "tone.storytelling": ("Storytelling", "이야기체"),
    "length.short": ("Short (up to 60 s)", "짧게 (60초 이하)"),
    "length.mid": ("Medium (1–5 min)", "중간 (1–5분)"),
    "length.long": ("Long (over 5 min)", "길게 (5분 이상)"),
    "aspect.9:16": ("Vertical 9:16 (Shorts, Reels)", "세로 9:16 (쇼츠, 릴스)"),
    "aspect.16:9": ("Wide 16:9", "가로 16:9"),
    "aspect.1:1": ("Square 1:1", "정사각형 1:1"),
    "language.ko": ("Korean", "한국어"),
    "language.en": ("English", "영어"),
    # -- one content ----------------------------------------------------------------------
    "content.progress": ("Progress", "진행 상황"),
    "content.elapsed": ("Elapsed", "경과 시간"),
    "content.cancel": ("Cancel this video", "이 영상 취소"),
    "content.cancelled": (
        "This video was cancelled; its credit was given back.",
        "이 영상은 취소되었고 크레딧은 돌려드렸습니다.",
    ),
    "content.failed": ("This video could not be made.", "이 영상을 만들지 못했습니다."),
    "content.failed_at": ("It stopped while: {stage}.", "멈춘 단계: {stage}."),
    "content.reason": ("Reason", "이유"),
    "content.retry": ("Try again", "다시 시도"),
    "content.live_note": (
        "This page follows the work as it happens.",
        "이 페이지는 진행 상황을 실시간으로 보여 줍니다.",
    ),
    "content.detail": ("Details", "자세한 내용"),
    "reason.gone": (
        "The web page is not there (it answered {code}). Check the address.",
        "웹 페이지가 없습니다({code} 응답). 주소를 확인해 주세요.",
    ),
    "reason.http": (
        "The web site answered with an error ({code}). Try again later.",
        "웹 사이트가 오류({code})로 응답했습니다. 나중에 다시 시도해 주세요.",
    ),
    "reason.timeout": (
        "The web page took too long to answer.",
        "웹 페이지가 너무 오래 응답하지 않았습니다.",
    ),
    "reason.unreachable": (
        "The web site could not be reached. Check the address.",
        "웹 사이트에 연결할 수 없습니다. 주소를 확인해 주세요.",
    ),
    "reason.refused": (
        "This address is not on the public internet, so it is not fetched.",
        "공개 인터넷 주소가 아니어서 가져오지 않습니다.",
    ),
    "reason.no_text": (
        "The web page has no article text to make a video from.",
        "웹 페이지에 영상으로 만들 본문이 없습니다.",
    ),
    "reason.rejected": ("The script was rejected in review.", "검토에서 대본이 거절되었습니다."),
    "content.review": ("Review the script", "대본 검토"),
    "content.review_intro": (
        "The safety check flagged this script. Read the flagged sentences, then approve "
        "it to make the video, or reject it (the credit comes back).",
        "안전 검사에서 이 대본에 표시된 문장이 있습니다. 표시된 문장을 읽고 승인하면 영상을 "
        "만들고, 거절하면 크레딧을 돌려드립니다.",
    ),
    "content.approve": ("Approve and make", "승인하고 만들기"),
    "content.reject": ("Reject", "거절"),
    "content.reject_reason": ("Reason (optional)", "거절 이유 (선택)"),
    "content.flag": ("Flagged: {category}", "표시됨: {category}"),
    "content.scenes": ("Scenes", "장면"),
    "content.scene": ("Scene {n}", "장면 {n}"),
    "content.hook": ("Opening", "도입"),
    "content.cta": ("Closing call", "마무리 멘트"),
    "content.narration": ("Narration", "내레이션"),
    "content.on_screen": ("On-screen text", "화면 문구"),
    "content.result": ("Your video", "완성된 영상"),
    "content.player": ("Video with captions", "자막이 있는 영상"),
    "content.thumbnail": ("Thumbnail", "썸네일"),
    "content.title": ("Title", "제목"),
    "content.description": ("Description", "설명"),
    "content.hashtags": ("Hashtags", "해시태그"),
    "content.downloads": ("Downloads", "내려받기"),
    "content.download_mp4": ("Video (MP4)", "영상 (MP4)"),
    "content.download_srt": ("Captions (SRT)", "자막 (SRT)"),
    "content.download_thumb": ("Thumbnail (JPEG)", "썸네일 (JPEG)"),
    "content.download_zip": ("Everything (ZIP)", "전체 (ZIP)"),
    "content.zip_make": ("Prepare a ZIP of everything", "전체 ZIP 준비하기"),
    "content.zip_pending": (
        "The ZIP is being prepared; reload in a moment.",
        "ZIP을 준비하고 있습니다. 잠시 후 새로 고침해 주세요.",
    ),
    "content.delete": ("Delete this video", "이 영상 삭제"),
    "content.delete_confirm": (
        "The video and its files are removed; this cannot be undone.",
        "영상과 파일이 모두 지워지며 되돌릴 수 없습니다.",
    ),
    "content.delete_now": ("Delete for good", "영구 삭제"),
    "content.deleted": ("The video was deleted.", "영상을 삭제했습니다."),
    "content.duration": ("{seconds} seconds", "{seconds}초"),
    "content.meta": ("Made from", "만든 재료"),
    "content.source.text": ("pasted text", "붙여 넣은 글"),
    "content.source.url": ("web page", "웹 페이지"),
    "content.source.topic": ("topic", "주제"),
    "content.changed": (
        "This video changed meanwhile; this is how it is now.",
        "그사이 영상 상태가 바뀌었습니다. 지금 상태를 보여 드립니다.",
    ),
    "content.edit": ("Edit the storyboard", "스토리보드 편집"),
    # -- storyboard ---------------------------------------------------------------------
    "story.title": ("Storyboard", "스토리보드"),
    "story.back": ("Back to the video", "영상으로 돌아가기"),
    "story.intro": (
        "Edit a scene's words, move scenes, delete them or add one, then save: the video is "
        "made again, and only what changed is redone.",
        "장면의 문장을 고치고, 순서를 바꾸고, 지우거나 새 장면을 더한 뒤 저장하세요. 영상을 "
        "다시 만들며 바뀐 부분만 새로 만듭니다.",
    ),
    "story.new_scene": ("A new scene (optional)", "새 장면 (선택)"),
    "story.up": ("Move up", "위로"),
    "story.down": ("Move down", "아래로"),
    "story.moved": ("Scene moved to place {n}.", "장면을 {n}번째로 옮겼습니다."),
    "story.remove": ("Delete this scene", "이 장면 삭제"),
    "story.cost": (
        "Saving makes the video again: one credit, unless it is waiting for review.",
        "저장하면 영상을 다시 만듭니다. 검토 대기 중이 아니라면 크레딧 1개가 듭니다.",
    ),
    "story.save": ("Save and make again", "저장하고 다시 만들기"),
    "story.picture": ("Picture from your media library", "미디어 보관함의 그림"),
    "story.picture_made": ("Made for you", "자동으로 만든 그림"),
    "story.picture_upload": (
        "Or upload an image or clip (up to {mb} MB)",
        "또는 이미지나 클립 올리기 (최대 {mb}MB)",
    ),
    "story.picture_gone": (
        "This scene's picture is no longer in your media library.",
        "이 장면의 그림이 미디어 보관함에 더는 없습니다.",
    ),
    # -- media library ------------------------------------------------------------------
    "media.title": ("Media library", "미디어 보관함"),
    "media.intro": (
        "Your own images, video clips and music, for your videos' pictures and background "
        "music. Only you can see them.",
        "내 영상의 장면 이미지와 배경 음악으로 쓸 이미지, 동영상 클립, 음악입니다. 나만 볼 수 "
        "있습니다.",
    ),
    "media.upload": ("Add a file", "파일 올리기"),
    "media.file": ("File (up to {mb} MB)", "파일 (최대 {mb}MB)"),
    "media.file_hint": (
        "Images PNG, JPEG, WebP; clips MP4, MOV, WebM; music MP3, WAV, M4A, Ogg. The type is "
        "read from the file itself.",
        "이미지 PNG, JPEG, WebP / 클립 MP4, MOV, WebM / 음악 MP3, WAV, M4A, Ogg. 파일 "
        "형식은 파일 내용으로 판단합니다.",
    ),
    "media.submit": ("Upload", "올리기"),
    "media.choose": ("Choose a file first.", "먼저 파일을 골라 주세요."),
    "media.added": ("The file was added.", "파일을 올렸습니다."),
    "media.deleted": ("The file was deleted.", "파일을 삭제했습니다."),
    "media.full": (
        "Your library is full. Delete some files first.",
        "보관함이 가득 찼습니다. 먼저 파일을 몇 개 삭제해 주세요.",
    ),
    "media.refused": (
        "This file cannot be added: {detail}",
        "이 파일은 올릴 수 없습니다. ({detail})",
    ),
    "media.all": ("All", "전체"),
    "media.kind.image": ("Images", "이미지"),
    "media.kind.clip": ("Clips", "클립"),
    "media.kind.music": ("Music", "음악"),
    "media.size": ("{mb} MB", "{mb}MB"),
    "media.count": ("{total} files", "파일 {total}개"),
    # -- projects -------------------------------------------------------------------------
    "projects.title": ("Projects", "프로젝트"),
    "projects.intro": (
        "A project holds the defaults of its videos.",
        "프로젝트에는 영상의 기본 설정이 담깁니다.",
    ),
    "projects.new": ("New project", "새 프로젝트"),
    "projects.name": ("Name", "이름"),
    "projects.description": ("Description", "설명"),
    "projects.review": (
        "Hold flagged scripts for my review before anything is made",
        "표시된 대본은 만들기 전에 내 검토를 기다리기",
    ),
    "projects.default_badge": ("default", "기본"),
    "projects.create": ("Create project", "프로젝트 만들기"),
    "projects.edit": ("Edit", "편집"),
    "projects.saved": ("Saved.", "저장했습니다."),
    "projects.videos": ("Videos", "영상"),
    # -- the factory: sources, schedules, batches ----------------------------------------
    "nav.batches": ("Batches", "일괄 제작"),
    "factory.project_nav": ("This project", "이 프로젝트"),
    "field.whole_number": ("Write a whole number.", "정수로 적어 주세요."),
    "field.at_least": ("It must be at least {min}.", "{min} 이상이어야 합니다."),
    "field.at_most": ("It must be at most {max}.", "{max} 이하여야 합니다."),
    "reason.topic_needs_model": (
        "A topic needs a language model (Gemini or OpenAI), and none is configured.",
        "주제로 만들려면 언어 모델(Gemini 또는 OpenAI)이 필요한데 설정되어 있지 않습니다.",
    ),
    "sources.title": ("Sources", "소스"),
    "sources.heading": ("Sources of {project}", "{project}의 소스"),
    "sources.intro": (
        "Feeds, web pages and topic lists this project watches: each new item becomes a "
        "video (a draft, or made straight away, as the project says).",
        "이 프로젝트가 지켜보는 피드, 웹 페이지, 주제 목록입니다. 새 항목마다 영상이 "
        "됩니다(프로젝트 설정에 따라 초안으로 두거나 바로 만듭니다).",
    ),
    "sources.add": ("Add a source", "소스 추가"),
    "sources.add_submit": ("Add source", "소스 추가하기"),
    "sources.added": (
        "The source is added; it is fetched shortly.",
        "소스를 추가했습니다. 곧 가져옵니다.",
    ),
    "sources.deleted": (
        "The source is deleted; the videos it made stay.",
        "소스를 삭제했습니다. 이 소스로 만든 영상은 남아 있습니다.",
    ),
    "sources.paused": ("The source is paused.", "소스를 일시 중지했습니다."),
    "sources.resumed": ("The source is resumed.", "소스를 다시 시작했습니다."),
    "sources.fetching": (
        "It will be fetched at the next pass, within a minute or so.",
        "다음 확인 때(1분 안팎) 가져옵니다.",
    ),
    "sources.name": ("Name", "이름"),
    "sources.kind": ("Kind", "종류"),
    "sources.kind.feed": ("Feed (RSS or Atom)", "피드(RSS 또는 Atom)"),
    "sources.kind.page": ("Web page", "웹 페이지"),
    "sources.kind.topics": ("Topic list", "주제 목록"),
    "sources.kind_hint.feed": ("each new entry is a video", "새 글마다 영상 하나"),
    "sources.kind_hint.page": (
        "each change of its text is a video",
        "본문이 바뀔 때마다 영상 하나",
    ),
    "sources.kind_hint.topics": (
        "each line is a video (needs a language model)",
        "한 줄마다 영상 하나(언어 모델 필요)",
    ),
    "sources.what": ("Address or topics", "주소 또는 주제"),
    "sources.url": ("Web address", "웹 주소"),
    "sources.url_hint": (
        "For a feed or a web page: http:// or https://",
        "피드나 웹 페이지용: http:// 또는 https://",
    ),
    "sources.topics": ("Topics", "주제"),
    "sources.topics_hint": (
        "For a topic list: one topic a line.",
        "주제 목록용: 한 줄에 주제 하나.",
    ),
    "sources.topic_count": ("{n} topics", "주제 {n}개"),
    "sources.interval": ("Checked", "확인 주기"),
    "sources.interval_minutes": ("Minutes between checks", "확인 간격(분)"),
    "sources.interval_hint": ("From 5 minutes to a week (10080).", "5분부터 일주일(10080분)까지."),
    "sources.every": ("every {minutes} min", "{minutes}분마다"),
    "sources.last_fetch": ("Last checked", "마지막 확인"),
    "sources.never": ("Not yet", "아직 없음"),
    "sources.next_fetch": ("Next check", "다음 확인"),
    "sources.last_error": ("Last error", "마지막 오류"),
    "sources.items_seen": ("Items seen", "받은 항목 수"),
    "sources.status": ("Status", "상태"),
    "sources.state.active": ("Active", "작동 중"),
    "sources.state.paused": ("Paused", "일시 중지됨"),
    "sources.state.failing": ("Failing ({n} in a row)", "실패 중(연속 {n}회)"),
    "sources.outcome.new_items": ("new items", "새 항목 있음"),
    "sources.outcome.unchanged": ("nothing new", "새 항목 없음"),
    "sources.outcome.not_modified": ("nothing new", "새 항목 없음"),
    "sources.outcome.failed": ("failed", "실패"),
    "sources.paused_by_owner": ("You paused it.", "직접 일시 중지했습니다."),
    "sources.paused_failures": (
        "Paused after {n} failed checks in a row. The last: {last}",
        "연속 {n}번 가져오지 못해 일시 중지되었습니다. 마지막 오류: {last}",
    ),
    "sources.paused_because": ("Not checked: {reason}", "확인하지 않는 중: {reason}"),
    "sources.pause": ("Pause", "일시 중지"),
    "sources.resume": ("Resume", "다시 시작"),
    "sources.fetch_now": ("Check now", "지금 확인"),
    "sources.items": ("What it offered", "가져온 항목"),
    "sources.no_items": ("Nothing yet.", "아직 없습니다."),
    "sources.item": ("Item", "항목"),
    "sources.item_seen": ("Seen", "받은 때"),
    "sources.item_content": ("Video", "영상"),
    "sources.open_content": ("Open the video", "영상 열기"),
    "sources.generated": ("made {when}", "{when}에 제작 시작"),
    "sources.waiting": ("waiting for a schedule", "일정을 기다리는 중"),
    "sources.delete": ("Delete this source", "이 소스 삭제"),
    "sources.delete_confirm": (
        "It is no longer checked; the videos it made stay.",
        "더 이상 확인하지 않습니다. 이미 만든 영상은 남아 있습니다.",
    ),
    "sources.delete_now": ("Delete the source", "소스 삭제하기"),
    "schedules.title": ("Schedules", "일정"),
    "schedules.heading": ("Schedules of {project}", "{project}의 일정"),
    "schedules.intro": (
        "At each time, a schedule makes videos from the drafts waiting in this project's "
        "sources, in their order.",
        "정한 시각마다 이 프로젝트의 소스에서 기다리는 초안을 순서대로 영상으로 만듭니다.",
    ),
    "schedules.add": ("Add a schedule", "일정 추가"),
    "schedules.add_submit": ("Add schedule", "일정 추가하기"),
    "schedules.added": ("The schedule is added.", "일정을 추가했습니다."),
    "schedules.saved": ("The schedule is saved.", "일정을 저장했습니다."),
    "schedules.deleted": ("The schedule is deleted.", "일정을 삭제했습니다."),
    "schedules.paused": ("The schedule is paused.", "일정을 일시 중지했습니다."),
    "schedules.resumed": (
        "The schedule is running again, from now on.",
        "일정을 지금부터 다시 실행합니다.",
    ),
    "schedules.name": ("Name", "이름"),
    "schedules.name_hint": ("Such as “Mornings”.", "예: “아침 업로드”."),
    "schedules.rhythm": ("When", "실행 시각"),
    "schedules.kind.times": ("At times of day", "하루 중 정한 시각"),
    "schedules.kind.cron": ("By a cron expression", "cron 표현식"),
    "schedules.times": ("Times of day", "시각"),
    "schedules.times_hint": (
        "HH:MM, separated by commas: “09:00, 18:00” is two runs a day.",
        "HH:MM 형식, 쉼표로 구분: “09:00, 18:00”은 하루 두 번입니다.",
    ),
    "schedules.times_invalid": (
        "Write times of day as HH:MM, such as 09:00 or 18:30.",
        "시각은 09:00, 18:30처럼 HH:MM 형식으로 적어 주세요.",
    ),
    "schedules.cron": ("Cron expression", "cron 표현식"),
    "schedules.cron_hint": (
        "Five fields: minute hour day month weekday, such as “0 9 * * 1-5”.",
        "다섯 칸: 분 시 일 월 요일. 예: “0 9 * * 1-5”.",
    ),
    "schedules.cron_invalid": (
        "This is not a cron expression of five fields (such as 0 9 * * 1-5).",
        "다섯 칸짜리 cron 표현식이 아닙니다(예: 0 9 * * 1-5).",
    ),
    "schedules.timezone": ("Time zone", "시간대"),
    "schedules.timezone_hint": (
        "Such as Asia/Seoul or Europe/Paris.",
        "예: Asia/Seoul, Europe/Paris.",
    ),
    "schedules.timezone_invalid": (
        "No such time zone (write one such as Asia/Seoul or UTC).",
        "없는 시간대입니다(Asia/Seoul, UTC처럼 적어 주세요).",
    ),
    "schedules.per_run": ("Videos a run", "한 번에 만들 영상 수"),
    "schedules.per_run_hint": ("At most this many, from 1 to 20.", "최대 이만큼, 1부터 20까지."),
    "schedules.auto_publish": ("Publish what it makes", "만든 영상을 자동 게시"),
    "schedules.auto_publish_hint": (
        "When off, what it makes waits for your approval before it goes out.",
        "끄면 만든 영상이 나가기 전에 내 승인을 기다립니다.",
    ),
    "schedules.at_times": ("at {times}", "{times}"),
    "schedules.next_run": ("Next run", "다음 실행"),
    "schedules.last_run": ("Last run", "마지막 실행"),
    "schedules.status": ("Status", "상태"),
    "schedules.state.active": ("Running", "실행 중"),
    "schedules.state.paused": ("Paused", "일시 중지됨"),
    "schedules.waiting": (
        "{n} drafts wait in this project's sources.",
        "이 프로젝트의 소스에 초안 {n}개가 기다리고 있습니다.",
    ),
    "schedules.waiting_label": ("Drafts waiting", "기다리는 초안"),
    "schedules.no_credits": (
        "Stopped: out of credits. Runs make nothing until credits come back.",
        "멈춤: 크레딧이 없습니다. 크레딧이 생길 때까지 아무것도 만들지 않습니다.",
    ),
    "schedules.pause": ("Pause", "일시 중지"),
    "schedules.resume": ("Resume", "다시 시작"),
    "schedules.edit": ("Edit the schedule", "일정 편집"),
    "schedules.runs": ("Runs", "실행 기록"),
    "schedules.no_runs": ("It has not run yet.", "아직 실행되지 않았습니다."),
    "schedules.run_when": ("Due", "예정 시각"),
    "schedules.run_outcome": ("Outcome", "결과"),
    "schedules.run_made": ("Made", "만든 영상"),
    "schedules.run_failed": ("Failed, and why", "실패와 이유"),
    "schedules.missed": ("{n} earlier runs missed", "이전 실행 {n}번 건너뜀"),
    "schedules.content_n": ("Video {n}", "영상 {n}"),
    "schedules.outcome.made": ("Made all", "모두 만듦"),
    "schedules.outcome.partial": ("Some failed", "일부 실패"),
    "schedules.outcome.nothing_new": ("Nothing waiting", "기다리는 항목 없음"),
    "schedules.outcome.no_credits": ("Stopped: out of credits", "멈춤: 크레딧 없음"),
    "schedules.outcome.failed": ("Failed", "실패"),
    "schedules.delete": ("Delete this schedule", "이 일정 삭제"),
    "schedules.delete_confirm": (
        "It stops running; the videos it made stay.",
        "더 이상 실행하지 않습니다. 이미 만든 영상은 남아 있습니다.",
    ),
    "schedules.delete_now": ("Delete the schedule", "일정 삭제하기"),
    "batches.title": ("Batches", "일괄 제작"),
    "batches.intro": (
        "Up to {max} videos at once, one a line, each with its own options. All are paid "
        "for together, or none is made.",
        "한 번에 영상 최대 {max}개, 한 줄에 하나씩, 각자의 옵션으로. 모두 함께 "
        "결제되거나, 하나도 만들지 않습니다.",
    ),
    "batches.new": ("New batch", "새 일괄 제작"),
    "batches.project": ("Project", "프로젝트"),
    "batches.project_default": ("My default project", "기본 프로젝트"),
    "batches.lines": ("Lines (JSONL)", "줄 목록(JSONL)"),
    "batches.lines_hint": (
        "One video a line, as the API's content request, such as:",
        "한 줄에 영상 하나, API의 영상 요청 형식으로. 예:",
    ),
    "batches.file": ("Or a JSONL file", "또는 JSONL 파일"),
    "batches.file_hint": (
        "A file is checked first and shown above before anything is made.",
        "파일은 먼저 확인해 위에 보여 준 뒤에 만듭니다.",
    ),
    "batches.check": ("Check and estimate", "확인하고 견적 보기"),
    "batches.make": ("Make the batch", "일괄 제작 시작"),
    "batches.check_heading": ("Before you make it", "만들기 전에"),
    "batches.problems": (
        "These lines cannot be read; nothing can be made until they are fixed:",
        "다음 줄을 읽을 수 없습니다. 고치기 전에는 만들 수 없습니다:",
    ),
    "batches.rejected_lines": (
        "These lines would be rejected (they cost nothing); the others can be made:",
        "다음 줄은 거절됩니다(비용 없음). 나머지는 만들 수 있습니다:",
    ),
    "batches.line": ("Line {n}", "{n}번째 줄"),
    "batches.not_json": (
        "not a JSON object (one content's request a line)",
        "JSON 객체가 아닙니다(한 줄에 영상 요청 하나)",
    ),
    "batches.empty": ("Write or upload at least one line.", "줄을 하나 이상 적거나 올려 주세요."),
    "batches.too_many": ("At most {max} lines in a batch.", "한 번에 최대 {max}줄입니다."),
    "batches.bad_file": (
        "The file must be UTF-8 text of at most {mb} MB.",
        "파일은 {mb}MB 이하의 UTF-8 텍스트여야 합니다.",
    ),
    "batches.estimate": (
        "{lines} lines: {credits} credits.",
        "{lines}줄: 크레딧 {credits}개.",
    ),
    "batches.balance": ("You have {balance}.", "보유 크레딧은 {balance}개입니다."),
    "batches.cost": ("Paid providers: about ${usd}.", "유료 제공자 비용: 약 ${usd}."),
    "batches.free": (
        "Only free (offline) providers: no cost.",
        "무료(오프라인) 제공자만 써서 비용이 들지 않습니다.",
    ),
    "batches.not_enough": (
        "Your credits do not cover them all: the batch would be refused.",
        "크레딧이 모두를 감당하지 못해 일괄 제작이 거절됩니다.",
    ),
    "batches.no_credits": (
        "The batch needs {n} credits and you have fewer: nothing was made.",
        "이 일괄 제작에는 크레딧 {n}개가 필요한데 부족합니다. 아무것도 만들지 않았습니다.",
    ),
    "batches.recent": ("Recent batches", "최근 일괄 제작"),
    "batches.recent_line": (
        "{total} items: {ready} ready, {failed} failed, {rejected} rejected",
        "{total}개: 완성 {ready}, 실패 {failed}, 거절 {rejected}",
    ),
    "batches.running": ("in progress", "진행 중"),
    "batches.one_title": ("Batch", "일괄 제작"),
    "batches.progress": ("Progress", "진행 상황"),
    "batches.done_label": ("Done:", "완료:"),
    "batches.finished": (
        "Every video of this batch is done.",
        "이 일괄 제작의 영상이 모두 끝났습니다.",
    ),
    "batches.live_note": (
        "This page follows the batch as it is made.",
        "이 페이지는 제작 상황을 따라 바뀝니다.",
    ),
    "batches.reload": ("Reload", "새로 고침"),
    "batches.items": ("Each line", "줄별 결과"),
    "batches.line_col": ("Line", "줄"),
    "batches.status_col": ("Status", "상태"),
    "batches.result_col": ("Result", "결과"),
    "batches.open_content": ("Open the video", "영상 열기"),
    "batches.status.queued": ("Queued", "대기 중"),
    "batches.status.processing": ("Processing", "만드는 중"),
    "batches.status.review": ("Needs review", "검토 필요"),
    "batches.status.ready": ("Ready", "완성"),
    "batches.status.publishing": ("Publishing", "게시 중"),
    "batches.status.published": ("Published", "게시됨"),
    "batches.status.failed": ("Failed", "실패"),
    "batches.status.cancelled": ("Cancelled", "취소됨"),
    "batches.status.rejected": ("Rejected", "거절됨"),
    # -- API keys -------------------------------------------------------------------------
    "keys.title": ("API keys", "API 키"),
    "keys.intro": (
        "A key lets a script or another program use your account through the API.",
        "API 키로 스크립트나 다른 프로그램이 API를 통해 내 계정을 사용할 수 있습니다.",
    ),
    "keys.name": ("Name", "이름"),
    "keys.read_only": ("Read only", "읽기 전용"),
    "keys.expires": ("Expires after (days)", "만료 (일)"),
    "keys.password": (
        "Your password (needed if you logged in long ago)",
        "비밀번호 (로그인한 지 오래되었다면 필요)",
    ),
    "keys.create": ("Create key", "키 만들기"),
    "keys.created": (
        "Copy this key now: it is shown only once.",
        "지금 이 키를 복사해 두세요. 다시 보여 드리지 않습니다.",
    ),
    "keys.prefix": ("Starts with", "시작 문자"),
    "keys.scopes": ("Rights", "권한"),
    "keys.last_used": ("Last used", "마지막 사용"),
    "keys.expires_at": ("Expires", "만료"),
    "keys.never": ("Never", "없음"),
    "keys.revoke": ("Revoke", "폐기"),
    "keys.revoked": ("Revoked", "폐기됨"),
    "keys.reauth": (
        "Creating a key needs a recent log-in: type your password.",
        "키를 만들려면 최근 로그인이 필요합니다. 비밀번호를 입력해 주세요.",
    ),
    # -- publishing: channels, publish, webhooks (one block: docs/studio.md) -------------
    "nav.publishing": ("Publishing", "게시"),
    "nav.channels": ("YouTube channels", "YouTube 채널"),
    "nav.webhooks": ("Webhooks", "웹훅"),
    "channels.title": ("YouTube channels", "YouTube 채널"),
    "channels.intro": (
        "Connect a channel to publish finished videos to it. AutoClip asks Google only for "
        "the right to upload and to read the channel's name; disconnecting takes it back.",
        "채널을 연결하면 완성된 영상을 그 채널에 게시할 수 있습니다. AutoClip은 Google에 "
        "업로드 권한과 채널 이름을 읽을 권한만 요청하며, 연결을 끊으면 권한을 돌려줍니다.",
    ),
    "channels.connect": ("Connect a YouTube channel", "YouTube 채널 연결"),
    "channels.connect_help": (
        "You go to Google's page to choose the channel and allow access, then come back here.",
        "Google 페이지에서 채널을 고르고 접근을 허용한 뒤 이곳으로 돌아옵니다.",
    ),
    "channels.not_configured": (
        "Publishing to YouTube is not set up on this server: the operator has not configured "
        "a Google OAuth client (AUTOCLIP_YOUTUBE_CLIENT_ID and AUTOCLIP_YOUTUBE_CLIENT_SECRET).",
        "이 서버에는 YouTube 게시가 설정되어 있지 않습니다. 운영자가 Google OAuth 클라이언트"
        "(AUTOCLIP_YOUTUBE_CLIENT_ID, AUTOCLIP_YOUTUBE_CLIENT_SECRET)를 설정하지 않았습니다.",
    ),
    "channels.none": (
        "No channel is connected yet.",
        "아직 연결된 채널이 없습니다.",
    ),
    "channels.since": ("Connected on", "연결일"),
    "channels.connected": ("Connected", "연결됨"),
    "channels.needs_reconnect": ("Needs connecting again", "다시 연결 필요"),
    "channels.revoked_reason": (
        "Google no longer accepts AutoClip's access to this channel (it was revoked, or "
        "expired unused). Connect it again to publish.",
        "Google이 이 채널에 대한 AutoClip의 접근을 더 이상 받아들이지 않습니다(권한이 "
        "취소되었거나 오래 쓰지 않아 만료됨). 게시하려면 다시 연결해 주세요.",
    ),
    "channels.reconnect": ("Connect again", "다시 연결"),
    "channels.disconnect": ("Disconnect", "연결 끊기"),
    "channels.disconnect_confirm": (
        "AutoClip's access is revoked at Google and the channel is removed from this list. "
        "Videos already published stay on YouTube.",
        "Google에서 AutoClip의 접근 권한을 취소하고 이 목록에서 채널을 지웁니다. 이미 "
        "게시된 영상은 YouTube에 그대로 남습니다.",
    ),
    "channels.done_connected": ("The channel is connected.", "채널을 연결했습니다."),
    "channels.done_removed": (
        "The channel is disconnected and Google confirmed the access is revoked.",
        "채널 연결을 끊었고, Google이 접근 권한 취소를 확인했습니다.",
    ),
    "channels.done_removed_unconfirmed": (
        "The channel is disconnected, but Google could not be reached to revoke the access: "
        "remove AutoClip from your Google account's connections to be sure.",
        "채널 연결을 끊었지만 Google에 연결할 수 없어 접근 권한을 취소하지 못했습니다. "
        "확실히 하려면 Google 계정의 연결된 앱에서 AutoClip을 지워 주세요.",
    ),
    "channels.refused_denied": (
        "The channel was not connected: access was not allowed on Google's page.",
        "채널을 연결하지 않았습니다. Google 페이지에서 접근을 허용하지 않았습니다.",
    ),
    "channels.refused_state": (
        "The channel was not connected: this answer from Google was not for a connection "
        "started by this account, or it came too late. Start connecting again.",
        "채널을 연결하지 않았습니다. Google의 응답이 이 계정이 시작한 연결이 아니거나 너무 "
        "늦게 왔습니다. 다시 연결을 시작해 주세요.",
    ),
    "channels.refused_code": (
        "The channel was not connected: Google refused the sign-in. Start connecting again.",
        "채널을 연결하지 않았습니다. Google이 로그인을 거부했습니다. 다시 연결을 시작해 주세요.",
    ),
    "channels.google_down": (
        "Google could not be reached. Start connecting again in a moment.",
        "Google에 연결할 수 없습니다. 잠시 후 다시 연결을 시작해 주세요.",
    ),
    "publish.title": ("Publish to YouTube", "YouTube에 게시"),
    "publish.channel": ("Channel", "채널"),
    "publish.privacy": ("Who can watch", "공개 범위"),
    "privacy.public": ("Public", "공개"),
    "privacy.unlisted": ("Unlisted (anyone with the link)", "일부 공개 (링크가 있는 사람)"),
    "privacy.private": ("Private (only you)", "비공개 (나만)"),
    "publish.at": ("Publish later, at (optional)", "예약 게시 시각 (선택)"),
    "publish.at_hint": (
        "Uploaded now as private; YouTube makes it public at this time.",
        "지금 비공개로 올리고, 이 시각에 YouTube가 공개로 바꿉니다.",
    ),
    "publish.timezone": ("Time zone", "시간대"),
    "publish.timezone_hint": (
        "The time above is in this zone (an IANA name, such as Asia/Seoul).",
        "위 시각의 시간대입니다 (Asia/Seoul 같은 IANA 이름).",
    ),
    "publish.timezone_bad": (
        "Unknown time zone: give an IANA name such as Asia/Seoul or UTC.",
        "알 수 없는 시간대입니다. Asia/Seoul이나 UTC 같은 IANA 이름을 입력해 주세요.",
    ),
    "publish.at_bad": (
        "Give a date and time (YYYY-MM-DD HH:MM).",
        "날짜와 시각을 입력해 주세요 (YYYY-MM-DD HH:MM).",
    ),
    "publish.at_past": (
        "The time must be in the future.",
        "미래 시각이어야 합니다.",
    ),
    "publish.kids": ("Made for kids", "아동용 영상"),
    "publish.kids_hint": (
        "YouTube asks every creator to say whether a video is made for children.",
        "YouTube는 모든 크리에이터에게 영상이 아동용인지 밝히도록 요구합니다.",
    ),
    "publish.submit": ("Publish", "게시하기"),
    "publish.no_channel": (
        "Connect a YouTube channel first to publish this video.",
        "이 영상을 게시하려면 먼저 YouTube 채널을 연결해 주세요.",
    ),
    "publish.go_channels": ("Go to channels", "채널 관리로 이동"),
    "publish.started": (
        "Publishing started: the video is being uploaded.",
        "게시를 시작했습니다. 영상을 올리는 중입니다.",
    ),
    "publish.list": ("Publications", "게시 기록"),
    "publish.when": ("Requested", "요청 시각"),
    "publish.scheduled": ("Public at {when}", "{when}에 공개"),
    "publication.publishing": ("Uploading", "올리는 중"),
    "publication.waiting": ("Waiting", "대기 중"),
    "publication.published": ("Published", "게시됨"),
    "publication.failed": ("Failed", "실패"),
    "publication.progress": ("{done} of {total} MB uploaded", "{total} MB 중 {done} MB 올림"),
    "publication.quota_wait": (
        "Waiting: today's YouTube upload quota is used up. It is uploaded when the quota "
        "renews, at {when}.",
        "대기 중: 오늘의 YouTube 업로드 할당량을 다 썼습니다. 할당량이 새로 채워지는 "
        "{when}에 올립니다.",
    ),
    "publication.retry_wait": (
        "The upload was interrupted; it goes on at {when}.",
        "업로드가 중단되었습니다. {when}에 이어서 올립니다.",
    ),
    "publication.watch": ("Watch on YouTube", "YouTube에서 보기"),
    "publication.live_note": (
        "This page updates itself while the video is uploaded.",
        "영상을 올리는 동안 이 페이지는 저절로 바뀝니다.",
    ),
    "publication.reason": ("Why", "이유"),
    "reason.pub_disconnected": (
        "The channel needs connecting again: Google no longer accepts AutoClip's access.",
        "채널을 다시 연결해야 합니다. Google이 AutoClip의 접근을 더 이상 받아들이지 않습니다.",
    ),
    "reason.pub_removed": (
        "The channel was disconnected before the upload.",
        "업로드 전에 채널 연결이 끊겼습니다.",
    ),
    "reason.pub_gave_up": (
        "The upload kept being interrupted and was given up after {attempts} attempts.",
        "업로드가 계속 중단되어 {attempts}번 시도한 뒤 포기했습니다.",
    ),
    "reason.pub_refused": (
        "YouTube refused the video.",
        "YouTube가 영상을 거부했습니다.",
    ),
    "publish.refused_not_ready": (
        "Only a finished video can be published, once at a time.",
        "완성된 영상만, 한 번에 하나씩 게시할 수 있습니다.",
    ),
    "publish.refused_channel": (
        "This channel needs connecting again before publishing to it.",
        "이 채널에 게시하려면 먼저 다시 연결해야 합니다.",
    ),
    "webhooks.title": ("Webhooks", "웹훅"),
    "webhooks.intro": (
        "AutoClip calls these addresses when your videos change: each call is signed the "
        "Standard Webhooks way with the endpoint's secret, and retried when it fails.",
        "영상 상태가 바뀌면 AutoClip이 이 주소들을 호출합니다. 호출마다 엔드포인트의 "
        "비밀 키로 Standard Webhooks 방식의 서명을 붙이며, 실패하면 다시 시도합니다.",
    ),
    "webhooks.url": ("Address (URL)", "주소 (URL)"),
    "webhooks.description": ("Note (optional)", "메모 (선택)"),
    "webhooks.events": ("Events", "이벤트"),
    "webhooks.events_help": ("Call this address when:", "다음 일이 생기면 이 주소를 호출합니다:"),
    "webhooks.create": ("Add endpoint", "엔드포인트 추가"),
    "webhooks.state": ("State", "상태"),
    "webhooks.enabled": ("On", "켜짐"),
    "webhooks.disabled_by_you": ("Off (turned off by you)", "꺼짐 (직접 끔)"),
    "webhooks.disabled_failures": (
        "Off: turned off after {count} failed calls in a row",
        "꺼짐: 연속 {count}번 호출에 실패해 꺼졌습니다",
    ),
    "webhooks.open": ("Settings and deliveries", "설정과 전송 기록"),
    "webhooks.secret_once": (
        "Copy this signing secret now: it is shown only once. Your receiver verifies each "
        "call's webhook-signature header with it.",
        "지금 이 서명 비밀 키를 복사해 두세요. 다시 보여 드리지 않습니다. 수신 측은 이 "
        "키로 호출마다 webhook-signature 헤더를 검증합니다.",
    ),
    "webhooks.edit": ("Change", "설정 변경"),
    "webhooks.saved": ("The endpoint is saved.", "엔드포인트를 저장했습니다."),
    "webhooks.enable": ("Turn on", "켜기"),
    "webhooks.disable": ("Turn off", "끄기"),
    "webhooks.rotate": ("New secret", "비밀 키 새로 만들기"),
    "webhooks.rotate_help": (
        "For the next {hours} hours each call is signed with the old secret too, so your "
        "receiver can switch at leisure.",
        "앞으로 {hours}시간 동안은 이전 비밀 키로도 함께 서명하므로, 수신 측은 여유 있게 "
        "바꿀 수 있습니다.",
    ),
    "webhooks.old_secret_until": (
        "The previous secret also signs until {when}.",
        "{when}까지는 이전 비밀 키로도 서명합니다.",
    ),
    "webhooks.delete": ("Delete this endpoint", "이 엔드포인트 삭제"),
    "webhooks.delete_confirm": (
        "No more calls go to this address; its delivery log is deleted with it.",
        "이 주소로 더 이상 호출하지 않으며, 전송 기록도 함께 지워집니다.",
    ),
    "webhooks.deleted": ("The endpoint was deleted.", "엔드포인트를 삭제했습니다."),
    "webhooks.deliveries": ("Deliveries", "전송 기록"),
    "webhooks.no_deliveries": ("Nothing was sent here yet.", "아직 보낸 것이 없습니다."),
    "webhooks.event": ("Event", "이벤트"),
    "webhooks.created": ("Created", "생성"),
    "webhooks.delivery_state": ("Result", "결과"),
    "webhooks.status_code": ("Answer", "응답"),
    "webhooks.attempts": ("Attempts", "시도"),
    "webhooks.next_retry": ("Next try", "다음 시도"),
    "webhooks.redeliver": ("Send again", "다시 보내기"),
    "webhooks.redelivered": (
        "The delivery is sent again, with the same message id.",
        "같은 메시지 ID로 다시 보냈습니다.",
    ),
    "webhooks.disabled_refused": (
        "This endpoint is off: turn it on first.",
        "이 엔드포인트는 꺼져 있습니다. 먼저 켜 주세요.",
    ),
    "webhooks.too_many": (
        "You have as many endpoints as allowed: delete one first.",
        "허용된 개수만큼 엔드포인트가 있습니다. 먼저 하나를 지워 주세요.",
    ),
    "webhooks.pick_event": ("Choose at least one event.", "이벤트를 하나 이상 골라 주세요."),
    "webhooks.url_refused": (
        "AutoClip does not call this address: give a public http(s) address.",
        "AutoClip은 이 주소를 호출하지 않습니다. 공개된 http(s) 주소를 입력해 주세요.",
    ),
    "delivery.pending": ("Waiting to be sent", "보낼 예정"),
    "delivery.delivered": ("Delivered", "전달됨"),
    "delivery.failed": ("Failed", "실패"),
    "delivery.no_answer": ("no answer", "응답 없음"),
    "event.content.queued": ("A video is queued", "영상이 대기열에 들어감"),
    "event.content.processing": ("A video is being made", "영상 제작 시작"),
    "event.content.review": ("A script waits for review", "대본이 검토를 기다림"),
    "event.content.ready": ("A video is ready", "영상 완성"),
    "event.content.failed": ("A video failed", "영상 실패"),
    "event.content.published": ("A video is published", "영상 게시됨"),
    "event.schedule.run": ("A schedule ran", "예약 작업 실행됨"),
    # -- usage ----------------------------------------------------------------------------
    "usage.title": ("Usage and credits", "사용량과 크레딧"),
    "usage.balance": ("Credits left: {balance}", "남은 크레딧: {balance}"),
    "usage.period": ("Used this period: {used}", "이번 기간 사용: {used}"),
    "usage.renews": ("Renews {when}", "{when}에 충전"),
    "usage.chart": (
        "Estimated cost by provider, per day (last {days} days)",
        "제공자별 하루 추정 비용 (최근 {days}일)",
    ),
    "usage.total": ("Total: ${total}", "합계: ${total}"),
    "usage.no_cost": (
        "No paid provider was used in this time.",
        "이 기간에 유료 제공자를 사용하지 않았습니다.",
    ),
    "usage.see_video": ("the video", "영상 보기"),
    "usage.ledger": ("Credit history", "크레딧 내역"),
    "usage.when": ("When", "일시"),
    "usage.change": ("Change", "변동"),
    "usage.after": ("Balance", "잔액"),
    "usage.reason": ("Why", "사유"),
    "ledger.trial_grant": ("Welcome credits", "가입 크레딧"),
    "ledger.generation": ("A video", "영상 제작"),
    "ledger.regeneration": ("A video made again", "영상 다시 만들기"),
    "ledger.refund": ("Given back", "환불"),
    "ledger.monthly_grant": ("Monthly credits", "월간 크레딧"),
    "ledger.adjustment": ("Adjustment by the operator", "운영자 조정"),
    "flag.gambling": ("gambling", "도박"),
    "flag.adult": ("adult content", "성인 콘텐츠"),
    "flag.drugs": ("illegal drugs", "불법 약물"),
    "flag.violence": ("violence", "폭력"),
    "flag.hate": ("hate", "혐오"),
    "flag.cure_claim": ("a health claim", "건강 효능 주장"),
    "flag.guaranteed_return": ("a promised return", "수익 보장 주장"),
    "flag.other": ("other", "기타"),
    # -- account --------------------------------------------------------------------------
    "account.title": ("Account", "계정"),
    "account.email": ("Email", "이메일"),
    "account.name": ("Name", "이름"),
    "account.since": ("Member since", "가입일"),
    "account.password": ("Password", "비밀번호"),
    "account.current_password": ("Current password", "현재 비밀번호"),
    "account.new_password": ("New password", "새 비밀번호"),
    "account.password_help": (
        "Every other device is logged out; this one stays logged in.",
        "다른 모든 기기에서 로그아웃되며, 이 기기는 로그인 상태로 남습니다.",
    ),
    "account.password_submit": ("Change password", "비밀번호 변경"),
    "account.password_changed": ("Your password is changed.", "비밀번호를 바꿨습니다."),
    "account.wrong_password": ("This is not your current password.", "현재 비밀번호가 아닙니다."),
    "account.logout_all": ("Log out everywhere", "모든 기기에서 로그아웃"),
    "account.logout_all_help": (
        "Ends every session of this account, this one too.",
        "이 계정의 모든 세션을 끝냅니다. 지금 세션도 포함됩니다.",
    ),
    "account.revoke_keys": ("Revoke my API keys too", "API 키도 모두 폐기"),
}

LANGUAGES = ("ko", "en")


def text(key: str, language: str) -> str:
    """The message in `language` (ko or en); an unknown key is a programming error."""
    english, korean = MESSAGES[key]
    return korean if language == "ko" else english
