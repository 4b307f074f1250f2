# English phrases of the requirements page (`rubric doc --lang en`).
# Numbers and amounts arrive already grouped; `$count` is a number, for plurals.

page-title = { $title } competency
page-summary = To earn the { $title } competency, your organization must meet the requirements of one of the options below, at the { $tiers } level.
page-summary-one-option = To earn the { $title } competency, your organization must meet the requirements below, at the { $tiers } level.
list-or = { $first } or { $second }
list-and = { $first } and { $second }
list-comma = { $first }, { $second }

tier-heading = { $tier ->
    [silver] Silver competency
    [gold] Gold competency
   *[other] { $tier } competency
}
tier-name = { $tier ->
    [silver] Silver
    [gold] Gold
   *[other] { $tier }
}
tier-none = This tier has no requirements.

step-performance = Your organization must meet the following performance requirements
step-people = { $count ->
    [one] { $count } individual in your organization must pass the exams
   *[other] { $count } individuals in your organization must pass the exams
}
step-people-shared = { $count ->
    [one] At least { $count } individual in your organization must pass the exams
   *[other] At least { $count } individuals in your organization must pass the exams
}
step-attribute = Your organization must be: { $attribute }
step-either = Your organization must meet one of the following sets of requirements
either-branch = Requirement set { $number }
either-or = or

other-markets = All other markets
market-threshold = { $market }: at least { $amount }
all-markets-threshold = All markets: at least { $amount }
per-month-threshold = { $market }: an average of at least { $amount } a month
all-markets-per-month-threshold = All markets: an average of at least { $amount } a month

market-threshold-more = { $market }: more than { $amount }
all-markets-threshold-more = All markets: more than { $amount }
per-month-threshold-more = { $market }: an average of more than { $amount } a month
all-markets-per-month-threshold-more = All markets: an average of more than { $amount } a month
every-month-threshold = { $market }: at least { $amount } in every month
all-markets-every-month-threshold = All markets: at least { $amount } in every month
every-month-threshold-more = { $market }: more than { $amount } in every month
all-markets-every-month-threshold-more = All markets: more than { $amount } in every month

window = { $months ->
    [1] in the trailing month
    [3] in the trailing three months
    [6] in the trailing six months
    [12] in the trailing twelve months (TTM)
   *[other] in the trailing { $months } months
}
measure-revenue = { $type } revenue from { $products } { $window }
measure-usage-sum = { $products } { $metric } { $window }
measure-usage-max = Highest { $products } { $metric } { $window }
measure-usage-latest = Current { $products } { $metric }: the latest reading { $window } for each { $keys }, added up
measure-usage-max-per-key = Highest { $products } { $metric } { $window } for each { $keys }, added up
measure-usage-largest-total = { $products } { $metric } { $window } for the { $keys } with the highest total
measure-usage-largest-latest = Current { $products } { $metric } for the { $keys } with the highest latest reading { $window }
key-customer = customer
key-product = product
key-month = month
measure-distinct-customers = Number of different customers counted by: { $of }
measure-new-customers = Number of new customers, whose first counted line falls in the period: { $of }
measure-lost-customers = Number of customers counted in the period before and not in this one: { $of }
measure-net-new-customers = Net new customers (new customers less lost customers): { $of }
period-calendar-year = in the last complete calendar year
period-fiscal-year = in the last complete fiscal year (ending { $month }/{ $day })
measure-associated = Your organization must be associated with those customers as { $associations }.
measure-paid-only = Only paid lines count; trials and free seats do not.
measure-field-is = Only lines whose { $field } is { $values } count.
measure-field-is-not = Lines whose { $field } is { $values } do not count, nor do lines that state no { $field }.
measure-customers-of = Only lines of customers whose counted lines add up to more than zero in: { $of }

role-first-any = { $count ->
    [one] { $count } individual must pass one of the following:
   *[other] { $count } individuals must each pass one of the following:
}
role-first-all = { $count ->
    [one] { $count } individual must pass all of the following:
   *[other] { $count } individuals must each pass all of the following:
}
role-same-any = { $count ->
    [one] The same individual also must pass one of the following:
   *[other] The same { $count } individuals also must each pass one of the following:
}
role-same-all = { $count ->
    [one] The same individual also must pass all of the following:
   *[other] The same { $count } individuals also must each pass all of the following:
}
role-another-any = { $count ->
    [one] Another individual must pass one of the following:
   *[other] { $count } other individuals must each pass one of the following:
}
role-another-all = { $count ->
    [one] Another individual must pass all of the following:
   *[other] { $count } other individuals must each pass all of the following:
}
role-shared-any = { $count ->
    [one] { $count } individual, who may be one of the individuals above, must pass one of the following:
   *[other] { $count } individuals, who may be among the individuals above, must each pass one of the following:
}
role-shared-all = { $count ->
    [one] { $count } individual, who may be one of the individuals above, must pass all of the following:
   *[other] { $count } individuals, who may be among the individuals above, must each pass all of the following:
}
group-any = One of the following:
group-all = All of the following:

kind = { $kind ->
    [exam] Exam
    [assessment] Assessment
   *[certification] Certification
}
registration-until = You may register for this exam until { $date }.
formerly = Formerly { $names }.
available-from = Available from { $date }.
retires = Retiring { $date }.
retired-grace = This { $kind ->
    [exam] exam
    [assessment] assessment
   *[certification] certification
} will continue to be accepted until { $date }.

credentials-heading = Exams, assessments and certifications
products-heading = Products
product-family = { $family }: { $products }
about-heading = About this page
about-version = Policy version: { $version }
about-effective = Effective from: { $date }
about-source = Source: { $source }
about-generated = This page is generated from the policy { $id }; the rules it states are the rules partners are evaluated against.
changes-heading = What changed since version { $version }

date = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $day }, { $year }
money = { $currency ->
    [USD] US${ $amount }
    [EUR] €{ $amount }
    [GBP] £{ $amount }
   *[other] { $amount } { $currency }
}

revenue-type = { $type ->
    [net_new] Net new
    [azure_consumption] Azure consumption
   *[other] { $type }
}
