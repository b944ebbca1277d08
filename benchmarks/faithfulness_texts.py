# ruff: noqa: E501  (prose: one sentence a string)
"""Short news-like articles with a faithful summary each, written for benchmarks/faithfulness.py (issue 17).

Invented events, written for this project (no corpus is copied). Each pair: the article (one sentence per
line), then a faithful summary; the first half of the summaries copy phrases of their article, the second
half rephrase it. benchmarks/faithfulness.py makes the changed copies (a new entity, a number, two entities
swapped, a negation) from them.
"""

from __future__ import annotations

PAIRS: list[tuple[str, str]] = [
    (
        "Arsenal beat Chelsea 2-0 at the Emirates Stadium on Saturday.\n"
        "Bukayo Saka scored both goals in the second half.\n"
        "The win lifts Arsenal to second place, four points behind Manchester City.",
        "Arsenal beat Chelsea 2-0 on Saturday, with Bukayo Saka scoring both goals.\n"
        "The win lifts Arsenal to second place, four points behind Manchester City.",
    ),
    (
        "The European Central Bank raised interest rates by 0.25 percentage points on Thursday.\n"
        "Christine Lagarde said inflation in the eurozone remained too high at 5.3%.\n"
        "Markets in Frankfurt fell slightly after the announcement.",
        "The European Central Bank raised interest rates by 0.25 percentage points on Thursday.\n"
        "Christine Lagarde said inflation remained too high at 5.3%.",
    ),
    (
        "Toyota will build a $1.3 billion battery plant in North Carolina.\n"
        "The factory is expected to create 1,750 jobs by 2025.\n"
        "Governor Roy Cooper welcomed the investment at a press conference in Raleigh.",
        "Toyota will build a $1.3 billion battery plant in North Carolina that is expected to create 1,750 jobs.\n"
        "Governor Roy Cooper welcomed the investment in Raleigh.",
    ),
    (
        "A magnitude 6.1 earthquake struck central Italy early on Wednesday.\n"
        "At least 12 people were killed in the town of Norcia, officials said.\n"
        "Prime Minister Giorgia Meloni promised 50 million euros for reconstruction.",
        "A magnitude 6.1 earthquake struck central Italy on Wednesday, killing at least 12 people in Norcia.\n"
        "Giorgia Meloni promised 50 million euros for reconstruction.",
    ),
    (
        "Serena Williams announced her retirement from tennis in an essay for Vogue.\n"
        "The 40-year-old has won 23 Grand Slam singles titles.\n"
        "She said she would focus on her family and her venture capital firm.",
        "Serena Williams announced her retirement from tennis in an essay for Vogue.\n"
        "The 40-year-old has won 23 Grand Slam singles titles and will focus on her family.",
    ),
    (
        "Apple reported quarterly revenue of $89.5 billion on Thursday.\n"
        "Sales of the iPhone rose 10% compared with a year earlier.\n"
        "Tim Cook said demand in India reached a record.",
        "Apple reported quarterly revenue of $89.5 billion, and sales of the iPhone rose 10%.\n"
        "Tim Cook said demand in India reached a record.",
    ),
    (
        "Kenyan runner Eliud Kipchoge won the Berlin Marathon for the fifth time on Sunday.\n"
        "He finished in two hours, two minutes and 42 seconds.\n"
        "Ethiopia's Tigist Assefa won the women's race.",
        "Eliud Kipchoge won the Berlin Marathon for the fifth time on Sunday.\n"
        "Ethiopia's Tigist Assefa won the women's race.",
    ),
    (
        "The city council of Lyon approved a ban on cars in the old town from next March.\n"
        "Mayor Gregory Doucet said the measure would cut pollution by 30%.\n"
        "Shop owners in the district have collected 4,000 signatures against it.",
        "The city council of Lyon approved a ban on cars in the old town from next March.\n"
        "Shop owners have collected 4,000 signatures against it.",
    ),
    (
        "NASA delayed the launch of its Artemis rocket from Florida by two weeks.\n"
        "Engineers found a fuel leak during a test on Monday.\n"
        "Bill Nelson said safety came before the schedule.",
        "NASA delayed the launch of its Artemis rocket from Florida by two weeks after engineers found a fuel leak.\n"
        "Bill Nelson said safety came before the schedule.",
    ),
    (
        "Heavy rain caused flooding across Pakistan, where 1,100 people have died since June.\n"
        "Prime Minister Shehbaz Sharif appealed for international help.\n"
        "The United Nations released $3 million from its emergency fund.",
        "Heavy rain caused flooding across Pakistan, where 1,100 people have died since June.\n"
        "The United Nations released $3 million from its emergency fund.",
    ),
    (
        "Real Madrid signed midfielder Jude Bellingham from Borussia Dortmund for 103 million euros.\n"
        "The 19-year-old Englishman agreed a six-year contract.\n"
        "Carlo Ancelotti called him one of the best young players in Europe.",
        "Real Madrid signed Jude Bellingham from Borussia Dortmund for 103 million euros.\n"
        "The 19-year-old agreed a six-year contract.",
    ),
    (
        "Amazon will cut 9,000 jobs in its cloud and advertising units.\n"
        "Chief executive Andy Jassy told staff in Seattle the cuts were painful.\n"
        "The company had already cut 18,000 jobs in January.",
        "Amazon will cut 9,000 jobs in its cloud and advertising units.\n"
        "The company had already cut 18,000 jobs in January, Andy Jassy told staff.",
    ),
    (
        "Brazil's Luiz Inacio Lula da Silva won the presidential election with 50.9% of the vote.\n"
        "He defeated Jair Bolsonaro in the closest race since 1989.\n"
        "Lula will take office in Brasilia on January 1.",
        "Luiz Inacio Lula da Silva won the presidential election in Brazil with 50.9% of the vote.\n"
        "He defeated Jair Bolsonaro and will take office on January 1.",
    ),
    (
        "Novak Djokovic beat Carlos Alcaraz in the final of the Cincinnati Open on Sunday.\n"
        "The match lasted almost four hours.\n"
        "Djokovic saved a match point in the second set.",
        "Novak Djokovic beat Carlos Alcaraz in the final of the Cincinnati Open on Sunday.\n"
        "Djokovic saved a match point in a match that lasted almost four hours.",
    ),
    (
        "The Dutch government collapsed after the coalition failed to agree on migration.\n"
        "Prime Minister Mark Rutte offered his resignation to King Willem-Alexander.\n"
        "New elections are expected in November.",
        "The Dutch government collapsed after the coalition failed to agree on migration.\n"
        "Mark Rutte offered his resignation to King Willem-Alexander.",
    ),
    (
        "Wildfires on the Greek island of Rhodes forced 19,000 people to leave their homes.\n"
        "Tour operators TUI and Jet2 cancelled flights to the island.\n"
        "The fire service said 250 firefighters were working to contain the blaze.",
        "Wildfires on Rhodes forced 19,000 people to leave their homes.\n"
        "TUI and Jet2 cancelled flights, and 250 firefighters were working to contain the blaze.",
    ),
    (
        "Microsoft agreed to buy the games company Activision Blizzard for $69 billion.\n"
        "Regulators in Brussels approved the deal on Monday.\n"
        "Satya Nadella said the games would stay on rival consoles for ten years.",
        "Microsoft agreed to buy Activision Blizzard for $69 billion, and regulators in Brussels approved the deal.\n"
        "Satya Nadella said the games would stay on rival consoles for ten years.",
    ),
    (
        "Ireland beat South Africa 13-8 in the Rugby World Cup in Paris.\n"
        "Johnny Sexton kicked a late penalty to seal the win.\n"
        "Ireland have now won 16 tests in a row.",
        "Ireland beat South Africa 13-8 in the Rugby World Cup in Paris.\n"
        "Johnny Sexton kicked a late penalty, and Ireland have now won 16 tests in a row.",
    ),
    (
        "The Bank of Japan kept its interest rate at minus 0.1% on Friday.\n"
        "Governor Kazuo Ueda said wages needed to rise further.\n"
        "The yen weakened to 148 against the dollar.",
        "The Bank of Japan kept its interest rate at minus 0.1% on Friday.\n"
        "Kazuo Ueda said wages needed to rise further, and the yen weakened to 148 against the dollar.",
    ),
    (
        "Spanish police arrested 40 people in a raid on a fraud network in Malaga.\n"
        "The gang stole more than 2 million euros from elderly victims.\n"
        "Officers seized 12 cars and a yacht.",
        "Spanish police arrested 40 people in a raid on a fraud network in Malaga.\n"
        "The gang stole more than 2 million euros, and officers seized 12 cars.",
    ),
    # From here on the summaries rephrase their article.
    (
        "Lionel Messi joined Inter Miami on a contract until 2025.\n"
        "The Argentine forward left Paris Saint-Germain in June.\n"
        "David Beckham, a co-owner of Inter Miami, said it was a dream come true.",
        "Inter Miami has signed Messi, who departed Paris Saint-Germain in June, on a deal running to 2025.\n"
        "Co-owner David Beckham called the move a dream come true.",
    ),
    (
        "Germany's economy shrank by 0.3% in the first three months of the year.\n"
        "Economists in Berlin blamed high energy prices and weak demand from China.\n"
        "Finance Minister Christian Lindner called for lower taxes on companies.",
        "High energy costs and soft Chinese demand pushed German output down 0.3% in the first quarter.\n"
        "Christian Lindner wants firms to pay less tax.",
    ),
    (
        "Rafael Nadal withdrew from the French Open because of a hip injury.\n"
        "The 14-time champion said he hoped to play one last season in 2024.\n"
        "Organisers at Roland Garros said they regretted his absence.",
        "A hip problem has forced Nadal out of the French Open.\n"
        "Having won the event 14 times, he wants a farewell season in 2024.",
    ),
    (
        "Shares in Tesla fell 9% after the carmaker cut prices in China.\n"
        "Elon Musk said the cuts would help sales in a slowing market.\n"
        "Rival BYD sold 240,000 cars in the same month.",
        "Tesla stock dropped 9% once the company lowered its prices in China.\n"
        "According to Musk, cheaper cars should lift sales, while competitor BYD sold 240,000 vehicles that month.",
    ),
    (
        "Storm Babet brought the heaviest rain in 40 years to eastern Scotland.\n"
        "Three people died in Angus, police said.\n"
        "The Met Office issued a red warning for Aberdeenshire.",
        "Police say three people lost their lives in Angus as Storm Babet delivered the worst rainfall in 40 years.\n"
        "A red warning was put in place for Aberdeenshire by the Met Office.",
    ),
    (
        "India landed its Chandrayaan-3 probe near the south pole of the Moon on Wednesday.\n"
        "Prime Minister Narendra Modi watched the landing from Johannesburg.\n"
        "India is the fourth country to land on the Moon.",
        "Chandrayaan-3 touched down close to the lunar south pole on Wednesday, making India the fourth nation to reach "
        "the Moon's surface.\n"
        "Modi followed the landing from Johannesburg.",
    ),
    (
        "Liverpool manager Jurgen Klopp will leave the club at the end of the season.\n"
        "The German has won seven trophies since arriving in 2015.\n"
        "He said he was running out of energy.",
        "Klopp is to step down as Liverpool boss when the season ends, saying his energy is running low.\n"
        "Since 2015 he has collected seven trophies.",
    ),
    (
        "The World Health Organization declared the end of the mpox emergency on Thursday.\n"
        "Cases fell by 90% compared with three months earlier.\n"
        "Tedros Adhanom Ghebreyesus warned that the virus had not gone away.",
        "Mpox is no longer a global emergency, the World Health Organization said on Thursday, after a 90% drop in "
        "cases over three months.\n"
        "Tedros cautioned that the virus remained.",
    ),
    (
        "Canadian wildfires sent smoke over New York, turning the sky orange.\n"
        "Officials advised 8 million residents to stay indoors.\n"
        "Air quality in the city was the worst in the world on Wednesday.",
        "Smoke from fires in Canada turned the New York sky orange and made its air the most polluted on Earth on "
        "Wednesday.\n"
        "About 8 million people were told to remain inside.",
    ),
    (
        "Ford will invest $3.5 billion in a battery factory in Michigan.\n"
        "The plant will use technology licensed from China's CATL.\n"
        "Republican lawmakers criticised the link to a Chinese company.",
        "A $3.5 billion Michigan battery plant is planned by Ford, relying on technology from CATL.\n"
        "Republicans objected to the ties with China.",
    ),
    (
        "Portugal's Cristiano Ronaldo scored his 850th career goal for Al-Nassr on Friday.\n"
        "The 38-year-old scored twice against Al-Ahli in Riyadh.\n"
        "Al-Nassr won the match 4-3.",
        "Ronaldo reached 850 goals in his career with a double against Al-Ahli in Riyadh, helping Al-Nassr to a 4-3 "
        "victory.\n"
        "He is 38.",
    ),
    (
        "Norway's sovereign wealth fund made a profit of $143 billion in the first half of the year.\n"
        "Technology shares drove the gains, said chief executive Nicolai Tangen.\n"
        "The fund is worth about $1.5 trillion.",
        "Gains in tech stocks earned the Norwegian oil fund $143 billion in six months, according to Nicolai Tangen.\n"
        "It is valued at roughly $1.5 trillion.",
    ),
    (
        "The Louvre in Paris will limit visitors to 30,000 a day.\n"
        "Director Laurence des Cars said the crowds made visits unpleasant.\n"
        "The Mona Lisa attracts most of the visitors.",
        "To make visits more pleasant, Laurence des Cars is capping daily entries to the Louvre at 30,000.\n"
        "Most people come to see the Mona Lisa.",
    ),
    (
        "Japan released treated water from the Fukushima nuclear plant into the Pacific.\n"
        "China banned all seafood imports from Japan in response.\n"
        "The operator, Tepco, said the water was safe.",
        "Tepco began pumping treated Fukushima water into the Pacific, saying it posed no danger.\n"
        "Beijing reacted by stopping every import of Japanese seafood.",
    ),
    (
        "Manchester City won the Champions League for the first time, beating Inter Milan 1-0 in Istanbul.\n"
        "Rodri scored the only goal in the 68th minute.\n"
        "Pep Guardiola's side also won the Premier League and the FA Cup.",
        "Rodri's goal after 68 minutes gave City a 1-0 win over Inter Milan in Istanbul and their first Champions "
        "League title.\n"
        "Guardiola's team completed a treble with the Premier League and the FA Cup.",
    ),
    (
        "Kenya's parliament passed a finance bill raising taxes on fuel to 16%.\n"
        "President William Ruto said the money would pay off debt.\n"
        "Opposition leader Raila Odinga called for protests.",
        "Fuel will be taxed at 16% under a finance bill approved by lawmakers in Kenya.\n"
        "Ruto says the revenue will reduce debt, while Raila Odinga urged people to protest.",
    ),
    (
        "Poland will buy 96 Apache helicopters from the United States.\n"
        "Defence Minister Mariusz Blaszczak signed the deal in Warsaw.\n"
        "The order is worth $12 billion.",
        "Mariusz Blaszczak signed a $12 billion order in Warsaw for 96 American-made Apache helicopters.",
    ),
    (
        "Taylor Swift's Eras Tour became the first concert tour to earn $1 billion.\n"
        "The tour visited 53 cities in the United States.\n"
        "Swift will perform in Tokyo in February.",
        "With $1 billion in takings, the Eras Tour by Taylor Swift is the highest-earning tour ever and the first to "
        "pass that figure.\n"
        "After 53 American cities, she heads to Tokyo in February.",
    ),
    (
        "Egypt reopened the Rafah crossing to allow aid trucks into Gaza.\n"
        "Twenty trucks carrying medicine crossed on Saturday.\n"
        "Antonio Guterres said far more aid was needed.",
        "Twenty lorries of medicine entered Gaza on Saturday once Egypt opened the Rafah crossing again.\n"
        "Guterres said much more help was required.",
    ),
    (
        "Sweden became the 32nd member of NATO on Thursday.\n"
        "Hungary had delayed its approval for 19 months.\n"
        "Ulf Kristersson raised the Swedish flag in Brussels.",
        "After 19 months of Hungarian delay, Sweden joined NATO on Thursday as its 32nd member.\n"
        "Ulf Kristersson hoisted the national flag in Brussels.",
    ),
]
REPHRASED_FROM = 20  # the pairs from this index on rephrase their article
