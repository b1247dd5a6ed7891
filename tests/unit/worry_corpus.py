"""Realistic messages from family members and supporters, to test worry detection against.

WORRIES must all escalate; ORDINARY must page nobody. To extend: add a line to either list (a message the
detector gets wrong is a bug in messages/locale/<lang>/worry_words.txt, not in the test). Lowercase, typos,
missing accents and worries that are not at the start are meant to be here."""

from __future__ import annotations

WORRIES_EN = [
    "I'm worried about the children",
    "i am worried",
    "Mum is drunk again and the kids are there",
    "Please call me, something is wrong",
    "im realy woried about lily tonight",  # typos
    "Dad came back and he's been drinking",
    "he was shouting at the kids and threw a plate",
    "Can someone ring me back asap",
    "the police are outside the house",
    "We're at the hospital with Jack",
    "Tom has a bruise on his arm and won't say how he got it",
    "I don't feel safe here",
    "she's not safe with him",
    "he hit her in front of the kids",
    "There's an empty bottle of vodka and she's passed out on the sofa",
    "just saw him smoking weed with the baby in the room",
    "Sorry to bother you but I'm scared",
    "kids are home alone, no one is picking up",
    "SOMETHING HAS HAPPENED PLEASE CALL",
    "the kids told me he threatened mum last night",
    "Not sure who to tell but I think she's using drugs again",
    "could you call me urgently please",
    "Went round at 7 and she was completely hammered",
    "I think Mia has gone missing, she's not at school",
    "there was a fight at the house and the neighbours called 999",
    "help me please",
    "she sounded very drunkk on the phone",  # typo
    "the kids are terrifed of him",  # typo
    "is it normal that he's yelling at them all evening? I'm concerned",
]

WORRIES_ES = [
    "Estoy muy preocupada por los niños",
    "estoy preocupado",
    "Mamá está borracha otra vez y los niños están con ella",
    "llamame por favor, algo va mal",
    "La policía está en la puerta",
    "estamos en urgencias con el pequeño",
    "le pego delante de los ninos",  # no accents
    "tengo miedo de lo que pueda pasar esta noche",
    "creo que ha vuelto a las drogas",
    "necesito ayuda urgente",
    "los niños están solos en casa",
    "hubo gritos y golpes toda la noche",
    "estoy preocupda",  # typo
    "Perdona la hora, pero algo pasa con Lucía",
]

WORRIES_PL = [
    "Martwię się o dzieci",
    "martwie sie o dzieci",  # no accents
    "Mama znowu jest pijana, a dzieci są w domu",
    "Proszę o telefon, coś jest nie tak",
    "policja przyjechała pod dom",
    "jesteśmy w szpitalu z Kubą",
    "on bije dzieci",
    "boję się o nie",
    "pomocy",
    "tata znowu pije i krzyczy na dzieci",
    "zadzwon do mnie pilnie",
    "dzieci są same w domu",
    "chyba bierze narkotyki",
    "coś się stało, proszę oddzwonić",
]

WORRIES = WORRIES_EN + WORRIES_ES + WORRIES_PL

ORDINARY = [
    "thanks",
    "Thank you so much!",
    "ok",
    "okay 👍",
    "see you Tuesday",
    "👍",
    "❤️",
    "good morning",
    "good night",
    "no worries, see you tuesday",
    "Running 10 minutes late",
    "The kids had a lovely day at the park",
    "Can we move the meeting to Thursday?",
    "Gran picked them up from school",
    "all good here",
    "What time is the meeting?",
    "I'll be there",
    "Great, thanks for letting me know",
    "Happy birthday to Lily!",
    "How are you doing?",
    "sorry, wrong chat",
    "Lily scored a goal at football today",
    "we had a snack and watched a film",
    "I'm afraid I can't make it on Friday",
    "Thanks for your help",
    "gracias",
    "muchas gracias",
    "vale, hasta el martes",
    "buenos días",
    "todo bien por aquí",
    "los niños están bien",
    "la semana pasada fuimos de paseo",
    "no te preocupes, nos vemos mañana",
    "dziękuję",
    "dzięki, do zobaczenia we wtorek",
    "dzień dobry",
    "wszystko w porządku",
    "dobranoc",
    "dzieci grały w piłkę",
    "nie martw się, wszystko gra",
]
