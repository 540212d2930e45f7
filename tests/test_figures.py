"""Table tests for claims.figures: real figures from the seed and corpus texts, then synthetic ones.

No database and no Django settings: claims.figures only uses django.db.models.TextChoices.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from claims.figures import Change, Comparator, Figure, FigureError, find_figures, parse_figure

# Committed copies of /work/shared/seeds/*.txt and /work/shared/corpus/gwr_*.txt.
TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "texts"

EXACT, ABOUT, NEARLY = Comparator.EXACT, Comparator.ABOUT, Comparator.NEARLY
AT_LEAST, MORE_THAN = Comparator.AT_LEAST, Comparator.MORE_THAN
AT_MOST, LESS_THAN, RANGE = Comparator.AT_MOST, Comparator.LESS_THAN, Comparator.RANGE
LEVEL, UP, DOWN = Change.LEVEL, Change.INCREASE, Change.DECREASE

# Each row: text given to parse_figure, number_text, value, value_high, unit, comparator, change.
# Every text is copied verbatim from the file named by its group (checked below against the
# copy in fixtures/texts).
REAL: dict[str, list[tuple[str, str, str, str | None, str, str, str]]] = {
    # seeds/000: 证券日报 on central SOEs' R&D (simplified)
    "000_468b2ab5e2af41d6.txt": [
        ("经费投入超过3.3万亿", "3.3万亿", "3300000000000", None, "", MORE_THAN, LEVEL),
        ("中央企业为10660亿元", "10660亿元", "1066000000000", None, "CNY", EXACT, LEVEL),
        ("2.64%", "2.64%", "2.64", None, "%", EXACT, LEVEL),
        ("中央企业则高达10.2%", "10.2%", "10.2", None, "%", EXACT, LEVEL),
        ("研发经费超8.3万亿元", "8.3万亿元", "8300000000000", None, "CNY", MORE_THAN, LEVEL),
        ("完成2.2万亿元", "2.2万亿元", "2200000000000", None, "CNY", EXACT, LEVEL),
        ("同比增长32.1%", "32.1%", "32.1", None, "%", EXACT, UP),
        ("比重的35.2%", "35.2%", "35.2", None, "%", EXACT, LEVEL),
        ("的占比要达到35%", "35%", "35", None, "%", EXACT, LEVEL),
    ],
    # seeds/001: 人民日报 feature, PDF text with spaces around numbers (simplified)
    "001_8464c429a3efe973.txt": [
        ("出口突破万亿元", "万亿元", "1000000000000", None, "CNY", MORE_THAN, LEVEL),
        ("年增长 29.9%", "29.9%", "29.9", None, "%", EXACT, UP),
        ("射约百次", "百次", "100", None, "次", ABOUT, LEVEL),
        ("约 17 个小时", "17 个小时", "17", None, "个小时", ABOUT, LEVEL),
        ("突破 13 万亿元", "13 万亿元", "13000000000000", None, "CNY", MORE_THAN, LEVEL),
        ("占比 3.39%", "3.39%", "3.39", None, "%", EXACT, LEVEL),
        ("上百家高新技术企业", "百家", "100", None, "家", AT_LEAST, LEVEL),
        ("8 位院", "8 位", "8", None, "位", EXACT, LEVEL),
        ("成立 75周年", "75周年", "75", None, "周年", EXACT, LEVEL),
    ],
    # seeds/002: 探路新质生产力 think-tank report (simplified, ASCII punctuation)
    "002_2f0711a77d4e9a2b.txt": [
        ("70%以上", "70%", "70", None, "%", AT_LEAST, LEVEL),
        # 至少 is not next to the number, so it is not read (qualifiers must be adjacent).
        ("至少包括3个方面", "3个", "3", None, "个", EXACT, LEVEL),
        ("万亿到10万亿量级", "万亿到10万亿", "1000000000000", "10000000000000", "", RANGE, LEVEL),
        ("规模达5784亿元", "5784亿元", "578400000000", None, "CNY", EXACT, LEVEL),
        ("数量达到350家", "350家", "350", None, "家", EXACT, LEVEL),
        ("研发周期缩短20%", "20%", "20", None, "%", EXACT, DOWN),
        ("生产效率提升近35%", "35%", "35", None, "%", NEARLY, UP),
    ],
    # seeds/003: 《財經》 cover story (traditional: 億, 萬, 個, 餘)
    "003_ac414d045fd1c466.txt": [
        ("打造2300億元", "2300億元", "230000000000", None, "CNY", EXACT, LEVEL),
        ("集聚100家", "100家", "100", None, "家", EXACT, LEVEL),
        ("新培育5家-10家獨角獸", "5家-10家", "5", "10", "家", RANGE, LEVEL),
        ("最高支援1億元", "1億元", "100000000", None, "CNY", EXACT, LEVEL),
        ("議案298件", "298件", "298", None, "件", EXACT, LEVEL),
        ("過去20年", "20年", "20", None, "年", EXACT, LEVEL),
        ("改革開放40餘年", "40餘年", "40", None, "年", MORE_THAN, LEVEL),
        ("的三分之一", "三分之一", "0.333333", None, "", EXACT, LEVEL),
        ("不足二十分之一", "二十分之一", "0.05", None, "", LESS_THAN, LEVEL),
        ("培育百家中小企業", "百家", "100", None, "家", EXACT, LEVEL),
        ("17個關鍵工序", "17個", "17", None, "個", EXACT, LEVEL),
        ("人均產值提升250%", "250%", "250", None, "%", EXACT, UP),
        ("物料週轉率提升300%", "300%", "300", None, "%", EXACT, UP),
        ("品系80多個", "80多個", "80", None, "個", MORE_THAN, LEVEL),
        ("登記品種10個", "10個", "10", None, "個", EXACT, LEVEL),
        ("推廣面積1200萬畝", "1200萬畝", "12000000", None, "畝", EXACT, LEVEL),
        ("90%以上的高階晶片", "90%", "90", None, "%", AT_LEAST, LEVEL),
        ("高達上萬億美元", "萬億美元", "1000000000000", None, "USD", AT_LEAST, LEVEL),
        ("1.1萬起", "1.1萬起", "11000", None, "起", EXACT, LEVEL),
        ("下降幅度為38%", "38%", "38", None, "%", EXACT, DOWN),
        ("從1.5萬億元", "1.5萬億元", "1500000000000", None, "CNY", EXACT, LEVEL),
        ("下降到不到5000億元", "5000億元", "500000000000", None, "CNY", LESS_THAN, LEVEL),
        ("下降幅度為68%", "68%", "68", None, "%", EXACT, DOWN),
        ("共計964只基金", "964只", "964", None, "只", EXACT, LEVEL),
        ("數量同比下降43.9%", "43.9%", "43.9", None, "%", EXACT, DOWN),
        ("募資3565.39億元", "3565.39億元", "356539000000", None, "CNY", EXACT, LEVEL),
        ("總額5868.86億元", "5868.86億元", "586886000000", None, "CNY", EXACT, LEVEL),
        ("同比減少31%", "31%", "31", None, "%", EXACT, DOWN),
        ("同比減少70%", "70%", "70", None, "%", EXACT, DOWN),
        ("總體降幅約40%", "40%", "40", None, "%", ABOUT, DOWN),
        ("交易數量達153筆", "153筆", "153", None, "筆", EXACT, LEVEL),
        ("總額為32億美元", "32億美元", "3200000000", None, "USD", EXACT, LEVEL),
        ("創紀錄的485億美元", "485億美元", "48500000000", None, "USD", EXACT, LEVEL),
        ("只有10%-30%被應用", "10%-30%", "10", "30", "%", RANGE, LEVEL),
        ("交易量1萬PB", "1萬PB", "10000", None, "PB", EXACT, LEVEL),
        ("年總額3萬億元", "3萬億元", "3000000000000", None, "CNY", EXACT, LEVEL),
        ("超過1萬家", "1萬家", "10000", None, "家", MORE_THAN, LEVEL),
        ("交易額不到30億元", "30億元", "3000000000", None, "CNY", LESS_THAN, LEVEL),
        ("相差了1000多倍", "1000多倍", "1000", None, "倍", MORE_THAN, LEVEL),
        ("接待遊客765.85萬人次", "765.85萬人次", "7658500", None, "人次", EXACT, LEVEL),
        ("收入達83.98億元", "83.98億元", "8398000000", None, "CNY", EXACT, LEVEL),
        ("同比分別增長52.2%", "52.2%", "52.2", None, "%", EXACT, UP),
        ("百億元規模", "百億元", "10000000000", None, "CNY", EXACT, LEVEL),
        ("總規模371億元", "371億元", "37100000000", None, "CNY", EXACT, LEVEL),
        ("然而近兩年來", "兩年", "2", None, "年", EXACT, LEVEL),  # 近兩年: "the past two"
    ],
    # seeds/004: 经济理论与实践 journal article (simplified, spaces from PDF)
    "004_e4b632a4713833b0.txt": [
        ("提供1100亿美元", "1100亿美元", "110000000000", None, "USD", EXACT, LEVEL),
        ("等25项行动", "25项", "25", None, "项", EXACT, LEVEL),
        ("占有率不足20%", "20%", "20", None, "%", LESS_THAN, LEVEL),
        ("发达国家 2.5%～4%的", "2.5%～4%", "2.5", "4", "%", RANGE, LEVEL),
        ("将分别增长 3.6‰", "3.6‰", "3.6", None, "‰", EXACT, UP),
        ("产量达 8.1ZB", "8.1ZB", "8.1", None, "ZB", EXACT, LEVEL),
        ("存储量达 724.5EB", "724.5EB", "724.5", None, "EB", EXACT, LEVEL),
        ("达50.2万亿元", "50.2万亿元", "50200000000000", None, "CNY", EXACT, LEVEL),
        ("同比名义增长10.3%", "10.3%", "10.3", None, "%", EXACT, UP),
        ("12万亿元左右", "12万亿元", "12000000000000", None, "CNY", ABOUT, LEVEL),
        ("平均水平 21个百分点", "21个百分点", "21", None, "pp", EXACT, LEVEL),
        ("从不足 3%", "3%", "3", None, "%", LESS_THAN, LEVEL),
        ("提升至 13%以上", "13%", "13", None, "%", AT_LEAST, LEVEL),
        ("已超过2.4亿人", "2.4亿人", "240000000", None, "people", MORE_THAN, LEVEL),
        ("超过6000万名工程师", "6000万名", "60000000", None, "名", MORE_THAN, LEVEL),
        ("年限达13.8年", "13.8年", "13.8", None, "年", EXACT, LEVEL),
        ("207个中类", "207个", "207", None, "个", EXACT, LEVEL),
    ],
    # corpus/gwr_2024: 2024 Government Work Report
    "gwr_2024.txt": [
        ("生产总值超过126万亿元", "126万亿元", "126000000000000", None, "CNY", MORE_THAN, LEVEL),
        ("城镇新增就业1244万人", "1244万人", "12440000", None, "people", EXACT, LEVEL),
        ("居民消费价格上涨0.2%", "0.2%", "0.2", None, "%", EXACT, UP),
        ("粮食产量1.39万亿斤", "1.39万亿斤", "1390000000000", None, "jin", EXACT, LEVEL),
        ("6600多万纳税人受益", "6600多万", "66000000", None, "", MORE_THAN, LEVEL),
        ("新增税费优惠超过2.2万亿元", "2.2万亿元", "2200000000000", None, "CNY", MORE_THAN, LEVEL),
        ("城镇化率提高到66.2%", "66.2%", "66.2", None, "%", EXACT, LEVEL),
        ("出口增长近30%", "30%", "30", None, "%", NEARLY, UP),
        ("惠及1100多万学生", "1100多万", "11000000", None, "", MORE_THAN, LEVEL),
        ("国内生产总值增长5%左右", "5%", "5", None, "%", ABOUT, UP),
        ("增就业1200万人以上", "1200万人", "12000000", None, "people", AT_LEAST, LEVEL),
        ("查失业率5.5%左右", "5.5%", "5.5", None, "%", ABOUT, LEVEL),
        ("费价格涨幅3%左右", "3%", "3", None, "%", ABOUT, UP),
        ("粮食产量1.3万亿斤以上", "1.3万亿斤", "1300000000000", None, "jin", AT_LEAST, LEVEL),
        ("能耗降低2.5%左右", "2.5%", "2.5", None, "%", ABOUT, DOWN),
        ("预算增加1800亿元", "1800亿元", "180000000000", None, "CNY", EXACT, UP),
        ("财政补助标准提高30元", "30元", "30", None, "CNY", EXACT, UP),
        ("再延长30年", "30年", "30", None, "年", EXACT, UP),
        ("新一轮千亿斤粮食产能", "千亿斤", "100000000000", None, "jin", EXACT, LEVEL),
        ("毕业生超过1170万人", "1170万人", "11700000", None, "people", MORE_THAN, LEVEL),
        ("预算内投资拟安排7000亿元", "7000亿元", "700000000000", None, "CNY", EXACT, LEVEL),
    ],
    # corpus/gwr_2025: 2025 Government Work Report
    "gwr_2025.txt": [
        ("生产总值达到134.9万亿元", "134.9万亿元", "134900000000000", None, "CNY", EXACT, LEVEL),
        ("贡献率保持在30%左右", "30%", "30", None, "%", ABOUT, LEVEL),
        ("外汇储备超过3.2万亿美元", "3.2万亿美元", "3200000000000", None, "USD", MORE_THAN, LEVEL),
        ("亩产提升10.1斤", "10.1斤", "10.1", None, "jin", EXACT, UP),
        ("年产量突破1300万辆", "1300万辆", "13000000", None, "辆", MORE_THAN, LEVEL),
        ("平均浓度下降2.7%", "2.7%", "2.7", None, "%", EXACT, DOWN),
        ("比例上升至87.2%", "87.2%", "87.2", None, "%", EXACT, LEVEL),
        ("能耗降幅超过3%", "3%", "3", None, "%", MORE_THAN, DOWN),
        ("新增装机3.7亿千瓦", "3.7亿千瓦", "370000000", None, "千瓦", EXACT, LEVEL),
        ("利息年支出减少约1500亿元", "1500亿元", "150000000000", None, "CNY", ABOUT, DOWN),
        ("一次性增加6万亿元", "6万亿元", "6000000000000", None, "CNY", EXACT, UP),
        ("延长至240小时", "240小时", "240", None, "小时", EXACT, LEVEL),
        ("惠及学生3400多万人次", "3400多万人次", "34000000", None, "人次", MORE_THAN, LEVEL),
        ("发电量的比重接近40%", "40%", "40", None, "%", NEARLY, LEVEL),
        ("粮食产量1.4万亿斤左右", "1.4万亿斤", "1400000000000", None, "jin", ABOUT, LEVEL),
        ("比上年提高1个百分点", "1个百分点", "1", None, "pp", EXACT, UP),
        ("总规模11.86万亿元", "11.86万亿元", "11860000000000", None, "CNY", EXACT, LEVEL),
        ("推出两批", "两批", "2", None, "批", EXACT, LEVEL),
        ("城镇化率提高到67%", "67%", "67", None, "%", EXACT, LEVEL),
        ("惠及1100多万人", "1100多万人", "11000000", None, "people", MORE_THAN, LEVEL),
    ],
    # corpus/gwr_2018-2020: the development reports, one sentence or clause per line
    "gwr_2018.txt": [
        ("国内生产总值增长6.5％左右", "6.5％", "6.5", None, "%", ABOUT, UP),
        ("人均预期寿命达到76.7岁", "76.7岁", "76.7", None, "岁", EXACT, LEVEL),
        ("棚户区住房改造2600多万套", "2600多万套", "26000000", None, "套", MORE_THAN, LEVEL),
        ("货物通关时间平均缩短一半以上", "一半", "50", None, "%", AT_LEAST, DOWN),
        ("今年开工580万套", "580万套", "5800000", None, "套", EXACT, LEVEL),
        ("今年再减少农村贫困人口1000万以上", "1000万", "10000000", None, "", AT_LEAST, DOWN),
        (
            "全年再为企业和个人减税8000多亿元",
            "8000多亿元",
            "800000000000",
            None,
            "CNY",
            MORE_THAN,
            LEVEL,
        ),
    ],
    "gwr_2019.txt": [
        ("国内生产总值增长6%－6.5%", "6%－6.5%", "6", "6.5", "%", RANGE, UP),
        ("农村贫困人口减少1000万以上", "1000万", "10000000", None, "", AT_LEAST, DOWN),
        ("城镇调查失业率5.5%左右", "5.5%", "5.5", None, "%", ABOUT, LEVEL),
    ],
    "gwr_2020.txt": [
        ("调查失业率在5.3%以下", "5.3%", "5.3", None, "%", AT_MOST, LEVEL),
        ("居民消费价格涨幅3.5%左右", "3.5%", "3.5", None, "%", ABOUT, UP),
        ("今年赤字率拟按3.6%以上安排", "3.6%", "3.6", None, "%", AT_LEAST, LEVEL),
    ],
}

# Synthetic: cases the issue asks for that the texts lack, or lack on one line.
SYNTHETIC = [
    ("3800多亿元", "3800多亿元", "380000000000", None, "CNY", MORE_THAN, LEVEL),
    ("4.5%—5%", "4.5%—5%", "4.5", "5", "%", RANGE, LEVEL),
    ("4.5%–5%", "4.5%–5%", "4.5", "5", "%", RANGE, LEVEL),
    ("5%至10%", "5%至10%", "5", "10", "%", RANGE, LEVEL),
    ("5%到10%", "5%到10%", "5", "10", "%", RANGE, LEVEL),
    ("5～10%", "5～10%", "5", "10", "%", RANGE, LEVEL),
    ("5~10%", "5~10%", "5", "10", "%", RANGE, LEVEL),
    ("5%－10%", "5%－10%", "5", "10", "%", RANGE, LEVEL),
    ("5-10家", "5-10家", "5", "10", "家", RANGE, LEVEL),
    ("3-5万元", "3-5万元", "30000", "50000", "CNY", RANGE, LEVEL),
    ("增长5%-10%", "5%-10%", "5", "10", "%", RANGE, UP),
    ("五到十家", "五到十家", "5", "10", "家", RANGE, LEVEL),
    ("控制在3%以内", "3%", "3", None, "%", AT_MOST, LEVEL),
    ("不超过3%", "3%", "3", None, "%", AT_MOST, LEVEL),
    ("5%以下", "5%", "5", None, "%", AT_MOST, LEVEL),
    ("不低于60%", "60%", "60", None, "%", AT_LEAST, LEVEL),
    ("低于3%", "3%", "3", None, "%", LESS_THAN, LEVEL),
    ("约5%", "5%", "5", None, "%", ABOUT, LEVEL),
    ("超1000家", "1000家", "1000", None, "家", MORE_THAN, LEVEL),
    ("最近5年", "5年", "5", None, "年", EXACT, LEVEL),
    ("百家", "百家", "100", None, "家", EXACT, LEVEL),
    ("一万", "一万", "10000", None, "", EXACT, LEVEL),
    ("三分之一", "三分之一", "0.333333", None, "", EXACT, LEVEL),
    ("1/3", "1/3", "0.333333", None, "", EXACT, LEVEL),
    ("两", "两", "2", None, "", EXACT, LEVEL),
    ("兩", "兩", "2", None, "", EXACT, LEVEL),
    ("十", "十", "10", None, "", EXACT, LEVEL),
    ("二十", "二十", "20", None, "", EXACT, LEVEL),
    ("十五", "十五", "15", None, "", EXACT, LEVEL),
    ("一百二十", "一百二十", "120", None, "", EXACT, LEVEL),
    ("一千零五", "一千零五", "1005", None, "", EXACT, LEVEL),
    ("千", "千", "1000", None, "", EXACT, LEVEL),
    ("两千亿元", "两千亿元", "200000000000", None, "CNY", EXACT, LEVEL),
    ("三万五千人", "三万五千人", "35000", None, "people", EXACT, LEVEL),
    ("一亿二千万", "一亿二千万", "120000000", None, "", EXACT, LEVEL),
    ("兩萬億元", "兩萬億元", "2000000000000", None, "CNY", EXACT, LEVEL),
    ("增长一倍", "一倍", "1", None, "倍", EXACT, UP),
    ("百分之三十", "百分之三十", "30", None, "%", EXACT, LEVEL),
    ("千分之三", "千分之三", "3", None, "‰", EXACT, LEVEL),
    ("35", "35", "35", None, "", EXACT, LEVEL),
    ("1,200万元", "1,200万元", "12000000", None, "CNY", EXACT, LEVEL),
    ("5千亿元", "5千亿元", "500000000000", None, "CNY", EXACT, LEVEL),
    ("100万吨", "100万吨", "1000000", None, "t", EXACT, LEVEL),
    ("30萬噸", "30萬噸", "300000", None, "t", EXACT, LEVEL),
    ("1万亿元人民币", "1万亿元", "1000000000000", None, "CNY", EXACT, LEVEL),
    ("5亿人民币", "5亿人民币", "500000000", None, "CNY", EXACT, LEVEL),
    ("下调0.25个百分点", "0.25个百分点", "0.25", None, "pp", EXACT, DOWN),
    ("增长２９．９％", "２９．９％", "29.9", None, "%", EXACT, UP),
    ("增长\u300029.9%", "29.9%", "29.9", None, "%", EXACT, UP),
    ("增\n长 29.9%", "29.9%", "29.9", None, "%", EXACT, UP),
    ("降低2.5%左右", "2.5%", "2.5", None, "%", ABOUT, DOWN),
    ("下降到5%", "5%", "5", None, "%", EXACT, LEVEL),
    ("增长了8%", "8%", "8", None, "%", EXACT, UP),
    ("增幅为8%", "8%", "8", None, "%", EXACT, UP),
    ("1万多人", "1万多人", "10000", None, "people", MORE_THAN, LEVEL),
    ("40余年", "40余年", "40", None, "年", MORE_THAN, LEVEL),
    # Issue 12: forms read wrong or missed before.
    ("1万多亿元", "1万多亿元", "1000000000000", None, "CNY", MORE_THAN, LEVEL),
    ("提高五六个百分点", "五六个百分点", "5", "6", "pp", RANGE, UP),
    ("七八万人", "七八万人", "70000", "80000", "people", RANGE, LEVEL),
    ("百分之零点五", "百分之零点五", "0.5", None, "%", EXACT, LEVEL),
    ("百分之三点二", "百分之三点二", "3.2", None, "%", EXACT, LEVEL),
    ("经济总量翻一番", "翻一番", "2", None, "倍", EXACT, LEVEL),
    ("翻两番", "翻两番", "4", None, "倍", EXACT, LEVEL),
    ("收入倍增", "倍增", "2", None, "倍", EXACT, LEVEL),
    ("居民收入倍增计划", "倍增", "2", None, "倍", EXACT, LEVEL),
    ("九成以上", "九成", "90", None, "%", AT_LEAST, LEVEL),
    ("两成", "两成", "20", None, "%", EXACT, LEVEL),
    ("一半", "一半", "50", None, "%", EXACT, LEVEL),
    ("增长-6.8%", "-6.8%", "-6.8", None, "%", EXACT, UP),
    ("下降−0.5%", "−0.5%", "-0.5", None, "%", EXACT, DOWN),
    ("负增长-1.2%", "-1.2%", "-1.2", None, "%", EXACT, UP),
    ("5%上下", "5%", "5", None, "%", ABOUT, LEVEL),
    ("3.5％", "3.5％", "3.5", None, "%", EXACT, LEVEL),
    ("保障性住房200万套", "200万套", "2000000", None, "套", EXACT, LEVEL),
    ("65岁以上", "65岁", "65", None, "岁", AT_LEAST, LEVEL),
    ("接种疫苗20亿剂", "20亿剂", "2000000000", None, "剂", EXACT, LEVEL),
    ("接种疫苗20亿剂次", "20亿剂次", "2000000000", None, "剂次", EXACT, LEVEL),
    ("100亿港元", "100亿港元", "10000000000", None, "HKD", EXACT, LEVEL),
    ("50亿欧元", "50亿欧元", "5000000000", None, "EUR", EXACT, LEVEL),
    ("粮食产量跃上1.4万亿斤新台阶", "1.4万亿斤", "1400000000000", None, "jin", AT_LEAST, LEVEL),
]

ROWS = [
    pytest.param(*row, id=f"{source[:3]}:{row[0]}") for source, rows in REAL.items() for row in rows
] + [pytest.param(*row, id=f"syn:{row[0]}") for row in SYNTHETIC]


@pytest.mark.parametrize(
    ("text", "number_text", "value", "value_high", "unit", "comparator", "change"), ROWS
)
def test_parse_figure(text, number_text, value, value_high, unit, comparator, change):
    expected = Figure(
        number_text=number_text,
        value=Decimal(value),
        value_high=None if value_high is None else Decimal(value_high),
        unit=unit,
        comparator=comparator,
        change=change,
    )
    figure = parse_figure(text)
    assert figure == expected
    assert isinstance(figure.value, Decimal)


def test_table_is_large_enough():
    assert sum(len(rows) for rows in REAL.values()) >= 80


@pytest.mark.parametrize("source", REAL)
def test_real_examples_are_verbatim(source):
    content = (TEXTS / source).read_text(encoding="utf-8")
    missing = [row[0] for row in REAL[source] if row[0] not in content]
    assert missing == []


@pytest.mark.parametrize("source", REAL)
def test_find_figures_agrees_with_parse_figure_on_real_texts(source):
    content = (TEXTS / source).read_text(encoding="utf-8")
    found = find_figures(content)
    assert all(content[start:end] == figure.number_text for start, end, figure in found)
    figures = {figure for _, _, figure in found}
    for text, *_ in REAL[source]:
        assert parse_figure(text) in figures, text


def test_fraction_precision():
    assert parse_figure("三分之二").value == Decimal("0.666667")
    assert parse_figure("二十分之一").value == Decimal("0.05")


def test_values_are_exact():
    assert parse_figure("2.2万亿元").value == Decimal("2200000000000")
    assert str(parse_figure("2.2万亿元").value) == "2200000000000"
    assert parse_figure("0.1亿元").value == Decimal("10000000")
    assert parse_figure("3565.39億元").value == Decimal("356539000000")


PASSAGE = "国内生产总值增长5%左右；城镇新增就业1200万人以上，城镇调查失业率5.5%左右；"


def test_find_figures_offsets_and_fields():
    found = find_figures(PASSAGE)
    assert [(PASSAGE[s:e], f.comparator, f.change) for s, e, f in found] == [
        ("5%", ABOUT, UP),
        ("1200万人", AT_LEAST, LEVEL),
        ("5.5%", ABOUT, LEVEL),
    ]
    assert [(s, e) for s, e, _ in found] == [(8, 10), (19, 25), (35, 39)]


def test_find_figures_keeps_full_width_text_verbatim():
    text = "出口增长２９．９％，达到１２０万家。"
    found = find_figures(text)
    assert [f.number_text for _, _, f in found] == ["２９．９％", "１２０万家"]
    assert [text[s:e] for s, e, _ in found] == ["２９．９％", "１２０万家"]
    assert found[1][2].value == Decimal("1200000")


def test_find_figures_shares_a_verb_across_a_list():
    # gwr_2025: both growth rates are increases.
    text = "规模以上高技术制造业、装备制造业增加值分别增长8.9%、7.7%，"
    assert [(f.number_text, f.change) for _, _, f in find_figures(text)] == [
        ("8.9%", UP),
        ("7.7%", UP),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2023年，全国研发",  # seeds/000: a year, not a figure
        "2012年至2023",  # seeds/000: years, not a range
        "从去年ChatGPT的现象级爆火",  # seeds/000: no number at all
        "5G用户",  # gwr_2024: part of a name
        "国产大飞机C919投入商业运营",  # gwr_2024: part of a model number
        "细颗粒物（PM2.5）",  # gwr_2025: part of a name
        "排名已从 2011 年第",  # seeds/001: year
        "一方面",  # the article 一, not a figure
        "新质生产力代表着",  # seeds/002
        "市场活力和社会创造力源于亿万人民积极性的发挥",  # gwr_2019: "hundreds of millions"
        "基本实现社会主义现代化的二〇三五年远景目标",  # a year in numerals
        "要牢固树立“四个意识”",  # gwr_2018: a slogan
        "坚决贯彻落实党中央八项规定及实施细则精神",  # gwr_2018: a slogan
        "坚持‘两个毫不动摇’",  # a slogan in quotes
        "“两个毫不动摇”",  # seeds/002: a slogan in quotes
        "“百项工程”",  # seeds/000: a programme's name in quotes
        "体制机制一成不变",  # an idiom
        "具有叠加、聚合、倍增效应",  # seeds/002: a multiplier effect, not a doubling
        "产业链上下游",  # 上下游 is not "about"
    ],
)
def test_find_figures_ignores_non_figures(text):
    assert find_figures(text) == []


def test_find_figures_drops_numbers_split_by_a_line_break():
    # seeds/000 as extracted from PDF: "增长3\n2.1%" must not be read as 2.1%.
    assert find_figures("同比增长3\n2.1%，占全部投资") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty text"),
        ("   ", "empty text"),
        ("abc", "no figure found in 'abc'"),
        ("增长", "no figure found in '增长'"),
        ("以内", "no figure found in '以内'"),
        ("2023年", "no figure found in '2023年'"),
        ("第12位", "no figure found in '第12位'"),
        ("3/0", "no figure found in '3/0'"),
        # gwr_2025: two figures in one span
        ("分别增长8.9%、7.7%", "expected one figure in '分别增长8.9%、7.7%', found 2:"),
        # seeds/002: two figures in one span
        ("是5年前的3倍", "found 2: '5年', '3倍'"),
        # seeds/003: a year next to the figure
        ("從2020年的1.1萬起", "unexpected number '2020' outside the figure '1.1萬起'"),
        # gwr_2024: a name with digits next to the figure
        ("5G用户普及率超过50%", "unexpected number '5' outside the figure '50%'"),
        ("3..5%", "unexpected number"),
    ],
)
def test_parse_figure_errors(text, message):
    with pytest.raises(FigureError, match=re.escape(message)):
        parse_figure(text)


def test_figure_error_is_a_value_error():
    assert issubclass(FigureError, ValueError)


def test_upstream_and_downstream_is_not_about():
    [(_, _, figure)] = find_figures("整合5家上下游企业")
    assert figure.comparator == EXACT


def test_a_change_verb_reaches_over_what_changes_but_not_over_a_noun_or_a_new_level():
    assert [f.change for _, _, f in find_figures("今年再减少农村贫困人口1000万以上")] == [DOWN]
    assert [f.change for _, _, f in find_figures("工业增加值3万亿元")] == [LEVEL]
    assert [f.change for _, _, f in find_figures("提高居民收入到5万元")] == [LEVEL]


def test_words_of_another_sentence_do_not_qualify_a_figure():
    [(_, _, figure)] = find_figures("产值增长。5%的企业")
    assert figure.change == LEVEL
    [(_, _, figure)] = find_figures("产值增长5%")
    assert figure.change == UP
