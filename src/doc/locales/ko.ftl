# 요구 사항 페이지의 한국어 문구 (`rubric doc --lang ko`).
# 한국어에는 복수형이 없습니다. 숫자와 금액은 이미 자릿수 구분된 채로 전달됩니다.

page-title = { $title } 역량
page-summary = { $title } 역량을 획득하려면 조직이 아래 옵션 중 하나의 { $tiers } 요구 사항을 충족해야 합니다.
page-summary-one-option = { $title } 역량을 획득하려면 조직이 아래의 { $tiers } 요구 사항을 충족해야 합니다.
list-or = { $first } 또는 { $second }
list-and = { $first } 및 { $second }
list-comma = { $first }, { $second }

tier-heading = { $tier ->
    [silver] 실버 역량
    [gold] 골드 역량
   *[other] { $tier } 역량
}
tier-name = { $tier ->
    [silver] 실버
    [gold] 골드
   *[other] { $tier }
}
tier-none = 이 등급에는 요구 사항이 없습니다.

step-performance = 조직은 다음 성과 요구 사항을 충족해야 합니다
step-people = 조직의 개인 { $count }명이 시험에 합격해야 합니다
step-people-shared = 조직의 개인 { $count }명 이상이 시험에 합격해야 합니다
step-attribute = 조직은 다음 자격을 갖추어야 합니다: { $attribute }
step-either = 조직은 다음 요구 사항 중 하나를 충족해야 합니다
either-branch = 요구 사항 { $number }
either-or = 또는

other-markets = 기타 모든 시장
market-threshold = { $market }: 최소 { $amount }
all-markets-threshold = 모든 시장: 최소 { $amount }
per-month-threshold = { $market }: 월평균 최소 { $amount }
all-markets-per-month-threshold = 모든 시장: 월평균 최소 { $amount }

market-threshold-more = { $market }: { $amount } 초과
all-markets-threshold-more = 모든 시장: { $amount } 초과
per-month-threshold-more = { $market }: 월평균 { $amount } 초과
all-markets-per-month-threshold-more = 모든 시장: 월평균 { $amount } 초과
every-month-threshold = { $market }: 매월 최소 { $amount }
all-markets-every-month-threshold = 모든 시장: 매월 최소 { $amount }
every-month-threshold-more = { $market }: 매월 { $amount } 초과
all-markets-every-month-threshold-more = 모든 시장: 매월 { $amount } 초과

window = { $months ->
    [12] 지난 12개월(TTM) 동안
   *[other] 지난 { $months }개월 동안
}
measure-revenue = { $window } { $products }에서 발생한 { $type } 매출
measure-usage-sum = { $window } { $products }의 { $metric }
measure-usage-max = { $window } { $products }의 최대 { $metric }
measure-usage-latest = 현재 { $products }의 { $metric }: { $window } { $keys }별 최신 보고 값의 합계
measure-usage-max-per-key = { $window } { $keys }별 { $products }의 최대 { $metric }의 합계
measure-usage-largest-total = { $window } { $products }의 { $metric } 합계가 가장 큰 { $keys }의 합계
measure-usage-largest-latest = { $window } { $keys }별 최신 보고 값 중 가장 큰 { $products }의 현재 { $metric }
key-customer = 고객
key-product = 제품
key-month = 월
measure-distinct-customers = 다음으로 집계되는 서로 다른 고객 수: { $of }
measure-new-customers = 해당 기간에 처음 집계된 신규 고객 수: { $of }
measure-lost-customers = 이전 기간에 집계되었으나 해당 기간에 집계되지 않은 고객 수: { $of }
measure-net-new-customers = 순 신규 고객 수(신규 고객 수에서 이탈 고객 수를 뺀 값): { $of }
period-calendar-year = 마지막으로 완료된 역년 동안
period-fiscal-year = 마지막으로 완료된 회계 연도({ $month }월 { $day }일 종료) 동안
measure-associated = 조직은 해당 고객과 다음 자격으로 연결되어 있어야 합니다: { $associations }
measure-paid-only = 유료 항목만 인정되며 평가판과 무료 좌석은 인정되지 않습니다.
measure-field-is = { $field } 값이 { $values }인 항목만 인정됩니다.
measure-field-is-not = { $field } 값이 { $values }인 항목과 { $field } 값이 없는 항목은 인정되지 않습니다.
measure-customers-of = 다음에서 집계된 항목의 합계가 0보다 큰 고객의 항목만 인정됩니다: { $of }

role-first-any = { $count }명이 다음 시험 중 하나에 합격해야 합니다.
role-first-all = { $count }명이 다음 시험에 모두 합격해야 합니다.
role-same-any = 동일한 { $count }명이 다음 시험 중 하나에도 합격해야 합니다.
role-same-all = 동일한 { $count }명이 다음 시험에도 모두 합격해야 합니다.
role-another-any = 다른 { $count }명이 다음 시험 중 하나에 합격해야 합니다.
role-another-all = 다른 { $count }명이 다음 시험에 모두 합격해야 합니다.
role-shared-any = { $count }명(위의 개인과 같은 사람일 수 있음)이 다음 시험 중 하나에 합격해야 합니다.
role-shared-all = { $count }명(위의 개인과 같은 사람일 수 있음)이 다음 시험에 모두 합격해야 합니다.
group-any = 다음 중 하나:
group-all = 다음 모두:

kind = { $kind ->
    [exam] 시험
    [assessment] 평가
   *[certification] 인증
}
registration-until = 이 시험은 { $date }까지 등록할 수 있습니다.
formerly = 이전 이름: { $names }.
available-from = { $date }부터 응시할 수 있습니다.
retires = { $date }에 폐지됩니다.
retired-grace = 이 { $kind ->
    [exam] 시험은
    [assessment] 평가는
   *[certification] 인증은
} { $date }까지 계속 인정됩니다.

credentials-heading = 시험, 평가 및 인증
products-heading = 제품
product-family = { $family }: { $products }
about-heading = 이 페이지 정보
about-version = 정책 버전: { $version }
about-effective = 시행일: { $date }
about-source = 출처: { $source }
about-generated = 이 페이지는 정책 { $id }에서 생성되었으며, 여기에 적힌 규칙이 파트너 평가에 쓰이는 규칙입니다.
changes-heading = 버전 { $version } 이후 변경 사항

date = { $year }년 { $month }월 { $day }일
money = { $currency ->
    [USD] US${ $amount }
    [EUR] €{ $amount }
   *[other] { $amount } { $currency }
}

revenue-type = { $type ->
    [net_new] 순 신규
    [azure_consumption] Azure 사용량
   *[other] { $type }
}
