/**
 * The built-in calibration text of `oss-prep awq`: documents written for oss-prep (license: the
 * project's, Apache-2.0 — no third-party text, so the package and its outputs carry no data license).
 * About 36 KB in the mix gpt-oss meets: English prose (engineering, history, a recipe, medicine, a
 * story, economics), Chinese prose and exam-style questions, chat turns in gpt-oss's harmony format,
 * and code (TypeScript, Python, C, SQL, shell), numbers and tables.
 *
 * With gpt-oss's o200k tokenizer it gives about 8.9 k tokens (8,886 counted with o200k_base, each
 * harmony special token counted as one): enough for the default 16 sequences of 512 tokens (8,192).
 * The tiny fixture's 4,096-token vocabulary splits it into about 22.7 k tokens. The documents are joined in this order, so consecutive sequences mix
 * languages. For a calibration closer to a deployment's traffic, pass `--calib FILE`.
 */
export const BUILTIN_CALIBRATION_NAME = "oss-prep built-in calibration text (Apache-2.0)";

export const BUILTIN_CALIBRATION_DOCUMENTS: readonly string[] = [
  `How a suspension bridge carries its load

A suspension bridge looks as if it were held up by its towers, but the towers are only the most visible part of a system that sends almost every kilogram of the deck into the ground at the two ends. The deck hangs from vertical cables called hangers or suspenders. The hangers pull down on the two main cables, which drape between the towers in a curve very close to a parabola. Because a flexible cable can only carry tension, the shape it takes is exactly the shape in which the loads hanging from it are balanced by pure pulling forces. Engineers call this the funicular shape of the load.

The main cables pass over saddles on top of the towers and continue down to the anchorages, huge blocks of concrete or tunnels cut into rock. The anchorages resist the horizontal pull of the cables; the towers mostly take the vertical component and push it into their foundations. On the Akashi Kaikyō Bridge in Japan, each main cable is made of more than thirty-six thousand steel wires, each about five millimetres thick, bundled and compacted into a cylinder a little over one metre across. The wires are spun in place, one pass at a time, by wheels that travel back and forth between the anchorages.

Why not simply build a very long beam? A beam resists bending by putting one face in compression and the other in tension, and the bending moment in a simply supported beam grows with the square of the span. Double the span and the beam must resist four times the moment while its own weight has also doubled. Past a few hundred metres, a beam spends most of its strength carrying itself. A cable, by contrast, uses the full cross-section of its steel in tension, the loading in which steel is most efficient, and the sag of the cable gives it a lever arm against the load for free.

The weakness of the suspension bridge is that it is flexible. The first Tacoma Narrows Bridge, opened in 1940, had a deck that was unusually slender and shallow. In a steady wind of about sixty-four kilometres per hour it began to twist. The twisting changed the way air flowed around the deck, which fed more energy into the twisting, a self-exciting process now called aeroelastic flutter. After about an hour the deck tore apart and fell into the water. No one died, although a dog left in a car was lost. Every long-span bridge since then has been tested in a wind tunnel, and modern decks are either deep stiffening trusses or streamlined boxes shaped like an aircraft wing turned upside down, sometimes with slots that let air pass through the middle.

Engineers also worry about the people on a bridge. When the Millennium Bridge in London opened in June 2000, pedestrians noticed that it swayed from side to side. A small sideways movement made walkers widen their stance and fall into step with the motion, and their footsteps pushed the deck further in the same rhythm. The bridge was closed for almost two years while dampers were fitted, like shock absorbers in a car, to soak up the energy of the sway.

Maintenance is the quiet part of the story. Water that gets inside a main cable can corrode the wires from within, where no inspector can see them. Several older bridges in the United States have had their cables opened, examined wire by wire and then wrapped again with dehumidified air blown through them. A well-kept suspension bridge can last well over a century; the Brooklyn Bridge, finished in 1883, still carries traffic every day.`,
  `长江是中国第一长河，全长约六千三百公里，发源于青藏高原的唐古拉山脉，自西向东流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海，最后注入东海。长江流域面积约一百八十万平方公里，约占全国陆地面积的五分之一，流域内居住着全国三分之一以上的人口。

人们通常把长江分为上游、中游和下游三段。从源头到湖北宜昌为上游，河道多穿行于高山峡谷之间，水流湍急，蕴藏着丰富的水能资源，著名的三峡就在这一段。从宜昌到江西湖口为中游，江面变宽，水流平缓，河道弯曲，两岸分布着洞庭湖、鄱阳湖等大型湖泊，对调节洪水起着重要作用。湖口以下为下游，江阔水深，便于航运，沿岸城市密集，经济十分发达。

长江的航运价值很高，被称为“黄金水道”。万吨级船舶可以从入海口直达南京，五千吨级船舶可以到达武汉。上世纪九十年代开始建设的三峡工程，集防洪、发电和航运等功能于一体，大坝全长两千多米，坝顶高程一百八十五米。工程建成后，库区水位抬高，川江航道条件明显改善，但也带来了移民安置、泥沙淤积和生态保护等一系列新问题，需要长期监测和研究。

长江流域是中华文明的重要发祥地之一。浙江余姚的河姆渡遗址出土了大量稻谷遗存，说明早在七千年前，长江下游的先民就已经开始种植水稻。四川广汉的三星堆遗址出土的青铜面具和青铜神树，造型奇特，工艺精湛，展示了古蜀文明独特的面貌。近年来，长江大保护成为重要的发展方针，沿江各地关停了一批污染严重的企业，并在重点水域实行禁渔，以恢复长江的生物多样性。`,
  `import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/** Counts of each HTTP status code in an access log, one request per line (common log format). */
export async function countStatusCodes(path: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    // 127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326
    const match = /" (\\d{3}) (\\d+|-)$/.exec(line);
    if (!match) continue;
    const status = Number(match[1]);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError("capacity must be a positive integer");
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // re-insert so the key becomes the most recently used
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }
}

function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}`,
  `Notes on the history of printing

Long before Gutenberg, printers in China carved whole pages into wooden blocks. The oldest printed book with a date that survives is a copy of the Diamond Sutra from the year 868, found in a cave near Dunhuang. Around 1040, according to the scholar Shen Kuo, a craftsman named Bi Sheng made movable type from baked clay: each character was a separate piece that could be set into an iron frame, printed, and then reused. Because written Chinese needs thousands of distinct characters, movable type did not replace woodblocks there for a long time; a skilled carver could cut a page almost as quickly as a compositor could set one, and the blocks could be stored and reprinted whenever a new edition was wanted. In Korea, a collection of Buddhist teachings known as the Jikji was printed with metal type in 1377.

In Europe, Johannes Gutenberg of Mainz combined several inventions in the middle of the fifteenth century. He cast type in a hand mould that could produce many identical letters quickly, from an alloy of lead, tin and antimony that melted at a low temperature and did not shrink much as it cooled. He used an oil-based ink that stuck to metal, and a press adapted from the screw presses used for wine and olives. His Bible, finished around 1455, has forty-two lines to a column and was printed in perhaps one hundred and eighty copies, some on paper and some on vellum.

Printing spread remarkably fast. By 1500, presses were working in more than two hundred European towns, and historians estimate that they had produced something like twenty million copies of books. Prices fell, and the number of people who could afford a book grew. Printers standardised spelling and punctuation, if only because a consistent house style made their work faster. Scientific results could be copied exactly, including diagrams and tables, instead of being recopied by hand with new errors each time.

The next great changes came with power. In 1814 The Times of London was printed on a steam-driven press that made about eleven hundred impressions an hour. Rotary presses, which print from curved plates on a cylinder onto a continuous roll of paper, raised that to tens of thousands. The Linotype machine of 1886 let an operator type at a keyboard while the machine cast a whole line of type as a single slug of metal. Photocomposition replaced hot metal in the 1960s and 1970s, and since the 1980s almost every printed page has started life as a digital file.

Each of these steps moved work from people to machines, but each also changed who could publish. A pamphlet in the sixteenth century, a penny newspaper in the nineteenth and a web page today all answer the same wish: to say something once and have many people read it.`,
  `学习方法漫谈

很多同学都有这样的体会：上课时似乎都听懂了，可一做题就不会。这是因为“听懂”和“会用”之间还隔着一段距离。听懂只是知道了别人的思路，而会用则要求自己能够从题目条件出发，独立地找到解题的路径。要跨过这段距离，最有效的办法就是多练习，并且在练习之后认真总结。

第一，课前预习。预习不必面面俱到，只要把新课的内容大致浏览一遍，把看不懂的地方标出来，上课时就可以有针对性地听讲。第二，课后及时复习。心理学研究表明，遗忘在学习之后的最初几天里进行得最快，如果能在当天晚上把笔记重新整理一遍，记忆就会牢固得多。第三，建立错题本。把做错的题目抄下来，写清楚错误原因，是概念不清、计算失误，还是审题不仔细，隔一段时间再重做一次。

学习还要注意劳逸结合。连续学习四五个小时，效率往往不如学习五十分钟、休息十分钟。适当的体育锻炼能够改善睡眠，提高注意力。考试前一天晚上熬夜复习，不但记不住多少东西，还会影响第二天的发挥。

最后要说的是兴趣。孔子说：“知之者不如好之者，好之者不如乐之者。”一个人如果真正对某门学科产生了兴趣，就会主动去钻研，遇到困难也不会轻易放弃。培养兴趣的方法之一，是把书本上的知识和日常生活联系起来：学了杠杆原理，就去观察剪刀和跷跷板；学了统计，就试着分析一下自己每个月的开支。`,
  `import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass


@dataclass
class Reading:
    station: str
    day: str
    temperature: float


def load_readings(path):
    """Read a CSV with columns station, day, temperature; skip rows that fail to parse."""
    readings = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                readings.append(Reading(row["station"], row["day"], float(row["temperature"])))
            except (KeyError, ValueError):
                continue
    return readings


def summarize(readings):
    by_station = defaultdict(list)
    for r in readings:
        by_station[r.station].append(r.temperature)
    summary = {}
    for station, temps in sorted(by_station.items()):
        summary[station] = {
            "n": len(temps),
            "mean": round(statistics.fmean(temps), 2),
            "median": statistics.median(temps),
            "stdev": round(statistics.stdev(temps), 2) if len(temps) > 1 else 0.0,
            "min": min(temps),
            "max": max(temps),
        }
    return summary


def binary_search(items, target):
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


if __name__ == "__main__":
    import sys
    for station, stats in summarize(load_readings(sys.argv[1])).items():
        print(f"{station:>10}  n={stats['n']:4d}  mean={stats['mean']:6.2f}  range=[{stats['min']}, {stats['max']}]")`,
  `<|start|>user<|message|>My electricity bill doubled this winter. What uses the most power in a typical home, and what can I change without spending much?<|end|><|start|>assistant<|channel|>final<|message|>Heating is almost always the biggest item. If your home is heated with electric resistance heaters, every kilowatt-hour you use becomes one kilowatt-hour of heat, so a cold month can easily double a bill. Water heating usually comes second, followed by the refrigerator, the clothes dryer, cooking and lighting.

Cheap changes that make a real difference:

- Lower the thermostat by one or two degrees, and a few more at night. Each degree saves roughly five to ten per cent of heating energy.
- Seal drafts around windows and doors with weather stripping; a door sweep costs very little.
- Set the water heater to about 50 degrees Celsius and take shorter showers.
- Wash clothes in cold water and dry them on a rack when you can.
- Replace the most-used bulbs with LEDs if you have not already.

If you want to know exactly where the energy goes, a plug-in power meter lets you measure individual appliances, and many utilities show hourly usage on their website. Compare a night when the heating was off with one when it was on, and you will see how much of the bill the heating is.<|return|>
<|start|>user<|message|>Can you explain what a hash table is, briefly?<|end|><|start|>assistant<|channel|>final<|message|>A hash table stores key-value pairs in an array. To insert a key, you run it through a hash function that turns it into an integer, take that integer modulo the array length, and put the pair in that slot. To look a key up you compute the same slot and check it. Two keys can land in the same slot, a collision, so each slot either holds a short list of pairs (chaining) or the table probes the next free slot (open addressing). As long as the table is not too full, inserts and lookups take constant time on average; when it fills up past a load factor such as 0.75, the table allocates a bigger array and re-inserts everything.<|return|>
<|start|>user<|message|>把“欲速则不达”翻译成英文，并解释一下意思。<|end|><|start|>assistant<|channel|>final<|message|>常见的译法是 “More haste, less speed” 或 “Haste makes waste”。这句话出自《论语·子路》，意思是做事一味求快，反而达不到目的。比如学习一门语言，如果急于求成、跳过基础，后面往往要花更多时间返工。<|return|>`,
  `以下是几道练习题，每题给出四个选项，请选出正确答案，并简要说明理由。

题目：下列关于光合作用的叙述中，正确的是
A. 光合作用只在白天进行，呼吸作用只在夜间进行
B. 光合作用的产物是二氧化碳和水
C. 光合作用把光能转化为储存在有机物中的化学能
D. 植物的所有细胞都能进行光合作用
答案是：C。光合作用在叶绿体中进行，利用光能把二氧化碳和水合成有机物，并释放氧气；呼吸作用在白天和夜间都在进行；根细胞等不含叶绿体的细胞不能进行光合作用。

题目：某商品原价二百元，先提价百分之二十，再降价百分之二十，现价是
A. 二百元
B. 一百九十二元
C. 二百零八元
D. 一百八十元
答案是：B。提价后为二百乘以一点二，等于二百四十元；再降价百分之二十，为二百四十乘以零点八，等于一百九十二元。

题目：我国古代四大发明不包括
A. 造纸术
B. 指南针
C. 火药
D. 地动仪
答案是：D。四大发明是造纸术、印刷术、火药和指南针。地动仪是东汉张衡发明的测定地震方位的仪器，是重要的科技成就，但不属于四大发明。

题目：在市场经济中，商品的价格主要由什么决定
A. 政府规定
B. 生产者的意愿
C. 供求关系和商品的价值
D. 消费者的心理
答案是：C。价值是价格的基础，供求关系的变化使价格围绕价值上下波动。

题目：下列诗句中，描写秋天景色的是
A. 接天莲叶无穷碧，映日荷花别样红
B. 停车坐爱枫林晚，霜叶红于二月花
C. 忽如一夜春风来，千树万树梨花开
D. 竹外桃花三两枝，春江水暖鸭先知
答案是：B。杜牧的《山行》写的是深秋的枫林；A 写夏天的西湖，C 用梨花比喻雪，D 写早春。`,
  `A plain loaf, step by step

You need 500 grams of bread flour, 350 grams of water at about 30 degrees Celsius, 10 grams of salt and 5 grams of instant yeast. That is a hydration of seventy per cent, which is wet enough to give an open crumb but still easy to shape.

1. Mix the flour and water in a large bowl until no dry flour remains. Cover and leave for thirty minutes. During this rest, called the autolyse, the flour absorbs the water and gluten begins to form without any kneading.
2. Sprinkle the salt and yeast over the dough, wet your hand and squeeze them in until they disappear.
3. Over the next two hours, give the dough four sets of stretches and folds, one every thirty minutes: lift one side of the dough, stretch it up until it resists, fold it over the middle, turn the bowl a quarter turn and repeat four times. The dough will become smoother and more elastic with each set.
4. Let it rise until it has grown by about half and shows bubbles at the sides of the bowl. In a warm kitchen this takes one to two hours; in a cold one it can take four.
5. Turn the dough onto a lightly floured counter, shape it into a tight ball by dragging it towards you with cupped hands, and place it seam side up in a bowl lined with a floured towel.
6. Proof it for another hour at room temperature, or overnight in the refrigerator for a deeper flavour.
7. Heat the oven to 250 degrees with a covered cast-iron pot inside for at least forty-five minutes. Turn the dough into the hot pot, cut a slash across the top with a sharp blade, cover and bake for twenty minutes. Remove the lid, lower the heat to 230 degrees and bake another twenty to twenty-five minutes until the crust is deep brown.
8. Cool the loaf on a rack for at least an hour before cutting. The inside is still cooking, and steam that escapes too early leaves the crumb gummy.

If the loaf spreads flat, the dough was probably over-proofed or not shaped tightly enough. If it is dense and pale, the dough was under-proofed or the oven was not hot enough. Keep notes: room temperature, rising times and the look of the dough tell you more than any recipe.`,
  `#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Node {
    int key;
    struct Node *next;
} Node;

/* Reverse a singly linked list in place and return the new head. */
static Node *reverse(Node *head) {
    Node *prev = NULL;
    while (head != NULL) {
        Node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static unsigned long hash_string(const char *s) {
    unsigned long h = 5381;
    int c;
    while ((c = (unsigned char)*s++) != 0) {
        h = ((h << 5) + h) + (unsigned long)c; /* h * 33 + c */
    }
    return h;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s word...\\n", argv[0]);
        return 1;
    }
    Node *head = NULL;
    for (int i = 1; i < argc; i++) {
        Node *n = malloc(sizeof *n);
        if (n == NULL) {
            perror("malloc");
            return 1;
        }
        n->key = (int)(hash_string(argv[i]) % 1000);
        n->next = head;
        head = n;
    }
    head = reverse(head);
    for (Node *n = head; n != NULL; n = n->next) printf("%d\\n", n->key);
    while (head != NULL) {
        Node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}`,
  `How vaccines teach the immune system

The immune system has two broad lines of defence. The innate system reacts within minutes to hours to anything that looks like a common kind of invader: bacterial cell walls, viral genetic material in the wrong place, damaged cells. It is fast but not specific, and it does not remember. The adaptive system is slower the first time, taking one to two weeks to reach full strength, but it learns the precise shape of a particular pathogen and keeps a memory of it, sometimes for life.

Adaptive immunity rests on two families of white blood cells. B cells make antibodies, Y-shaped proteins whose tips fit one molecular shape, called an antigen, like a key in a lock. An antibody can block a virus from entering cells or mark a bacterium for destruction. T cells come in several kinds; helper T cells coordinate the response, and cytotoxic T cells recognise and kill cells that have already been infected. Among the billions of B and T cells in the body, only a handful happen to fit any given antigen. When one of them meets its match, it divides again and again, producing an army of identical cells. After the infection is cleared, most of these cells die, but some remain as memory cells, ready to respond within days the next time.

A vaccine creates that memory without the danger of the disease. Older vaccines use a killed or weakened form of the pathogen, or a purified piece of it such as a surface protein. Toxoid vaccines, against tetanus and diphtheria, use an inactivated form of the toxin the bacteria produce. Messenger RNA vaccines deliver instructions that let the body's own cells make a harmless piece of the pathogen for a short time; the RNA is broken down within days and never enters the cell nucleus. Whatever the method, the immune system sees the antigen, mounts a response, and keeps memory cells.

Some vaccines need booster doses because memory fades or because the pathogen changes. Influenza viruses mutate their surface proteins from year to year, which is why the flu vaccine is updated annually. When enough people in a community are immune, a pathogen cannot find enough susceptible hosts to keep spreading, and even people who cannot be vaccinated, such as newborns or patients undergoing chemotherapy, are protected. The fraction needed for this herd immunity depends on how contagious the disease is: for measles, one of the most contagious diseases known, it is around ninety-five per cent.`,
  `中医认为，人体是一个有机的整体，人与自然环境也是统一的。《黄帝内经》提出“天人相应”的观点，强调顺应四时的变化来调养身体：春天要早睡早起，舒展身体；夏天气候炎热，要注意防暑，饮食宜清淡；秋天气候干燥，应多吃润肺的食物；冬天寒冷，要注意保暖，早睡晚起。

现代医学则更多地依靠实验和统计。一种新药在上市之前，通常要经过临床前研究和三期临床试验。第一期主要观察药物在少数健康志愿者身上的安全性和代谢过程；第二期在一定数量的患者中初步评价疗效并确定剂量；第三期则在更大的人群中进行随机、双盲、对照试验，以确认药物的疗效和安全性。所谓双盲，是指患者和医生都不知道谁服用的是新药、谁服用的是安慰剂，这样可以减少心理因素和主观判断对结果的影响。

无论是传统医学还是现代医学，良好的生活习惯都是健康的基础。世界卫生组织建议，成年人每周应进行至少一百五十分钟的中等强度有氧运动，例如快走、骑自行车或游泳；每天食盐摄入量不超过五克；尽量少吃含糖饮料和加工肉类。此外，保持充足的睡眠和良好的心态，同样对预防疾病有重要意义。

计算机科学中，数据结构是组织和存储数据的方式。常见的线性结构有数组、链表、栈和队列。栈的特点是后进先出，就像一摞盘子，最后放上去的盘子最先被取走；队列的特点是先进先出，就像排队买票。非线性结构包括树和图。二叉查找树中，每个结点左子树上的值都小于该结点的值，右子树上的值都大于该结点的值，因此查找的平均时间复杂度是对数级别。如果插入的数据本身是有序的，普通的二叉查找树会退化成一条链，这时就需要红黑树或平衡二叉树等自平衡结构来保证效率。`,
  `Worked example: compound interest and the rule of 72

Suppose you deposit 1,000 dollars at an annual interest rate of 6 per cent, compounded once a year. After one year you have 1,000 × 1.06 = 1,060 dollars; after two years 1,060 × 1.06 = 1,123.60; after n years 1,000 × 1.06^n. To find when the money doubles, solve 1.06^n = 2, so n = ln 2 / ln 1.06 ≈ 0.6931 / 0.0583 ≈ 11.9 years. The rule of 72 gives a quick estimate: divide 72 by the rate in per cent, 72 / 6 = 12 years. It works because ln(1 + r) is close to r for small r, and 72 is near 69.3 while having many divisors.

If interest is compounded monthly, the balance after n years is 1,000 × (1 + 0.06/12)^(12n). In the limit of continuous compounding it becomes 1,000 × e^(0.06n). For 10 years: yearly 1,790.85, monthly 1,819.40, continuous 1,822.12.

| year | yearly compounding | monthly compounding |
|------|--------------------|---------------------|
| 1    | 1,060.00           | 1,061.68            |
| 5    | 1,338.23           | 1,348.85            |
| 10   | 1,790.85           | 1,819.40            |
| 20   | 3,207.14           | 3,310.20            |

A quick physics check: a ball dropped from 20 metres, ignoring air resistance, falls for t = sqrt(2h/g) = sqrt(40 / 9.81) ≈ 2.02 seconds and hits the ground at v = g·t ≈ 19.8 m/s, about 71 km/h.

{"id": 4812, "name": "Ada Lovelace", "born": "1815-12-10", "known_for": ["Analytical Engine notes", "first published algorithm"], "languages": ["en", "fr"], "active": false}
{"id": 4813, "name": "Grace Hopper", "born": "1906-12-09", "known_for": ["COBOL", "compilers"], "languages": ["en"], "active": false}`,
  `The lighthouse keeper's last winter

The supply boat came on the first Tuesday of every month, weather permitting, and in January the weather rarely permitted. Mara had learned to keep three months of flour, oil and coffee in the storeroom beneath the tower, and a drawer of batteries for the radio that no one had used in years. The light itself had been automatic since before she arrived; her job, as the harbour authority described it, was to observe, to record and to report. In practice that meant writing the wind speed, the sea state and the visibility into a ledger four times a day, and walking the gallery once each night to make sure the lamp still turned.

On the night of the storm the barometer fell faster than she had ever seen it fall. By ten o'clock the waves were breaking over the lower rocks, and spray rattled against the kitchen window like gravel. She wrote, in a hand that was steadier than she felt: wind south-west, force ten, gusting eleven; visibility under one nautical mile; sea very high. Then, because there was nothing else to do, she made tea.

At a quarter past two the radio, which she had switched on out of habit, crackled with a voice. A fishing boat, the Saint Brendan, had lost its engine eight miles to the south and was drifting north, towards the reef. The coastguard answered from the mainland, calm and slow, asking for a position. The skipper gave one, and Mara, looking at the chart pinned above her desk, saw that the drift would carry the boat past the island within two hours.

She did not have a boat, and she could not have launched one in that sea if she had. What she had was a position, a pair of binoculars and thirty years of watching this water. She called the coastguard herself, gave her station name and told them the tide would turn at three, that the set along the reef ran east on the flood, and that a boat drifting from where the skipper said would be pushed clear of the rocks if it could hold off for forty minutes. The lifeboat, already at sea, altered course to meet it where she said it would be.

They found the Saint Brendan at ten to four, a mile east of the reef, exactly where the tide had carried it. In her ledger Mara wrote: 0400, wind south-west, force nine, decreasing; lifeboat on scene; vessel under tow. In the spring the authority wrote to say that the station would close at the end of the year. She kept the ledger.`,
  `秦始皇统一六国以后，在全国范围内统一了文字、货币和度量衡，修建了以咸阳为中心的驰道，并派蒙恬北击匈奴，连接和修筑了长城。这些措施有利于国家的统一和经济文化的交流，但繁重的徭役和严酷的刑法也使百姓苦不堪言。秦朝只存在了十五年，公元前二〇九年，陈胜、吴广在大泽乡起义，这是中国历史上第一次大规模的农民起义。

汉朝建立以后，统治者吸取秦亡的教训，实行休养生息的政策，减轻赋税和徭役。到了汉武帝时期，国力强盛，他派张骞两次出使西域，开辟了沟通中原与西域乃至欧洲的陆上通道，后人称之为“丝绸之路”。中国的丝绸、瓷器和铁器经由这条道路运往西方，西域的葡萄、苜蓿、石榴和胡萝卜等也传入了中原。

唐朝是中国古代最强盛的朝代之一。都城长安人口众多，商业繁荣，外国使节、商人和留学生往来不绝。唐诗是中国文学的高峰，李白的诗豪放飘逸，杜甫的诗沉郁顿挫，被后人分别称为“诗仙”和“诗圣”。白居易主张“文章合为时而著，歌诗合为事而作”，他的诗语言通俗，相传老妇人也能听懂。

宋代的科学技术取得了许多重要成就。毕昇发明了活字印刷术，指南针开始用于航海，火药被广泛用于制造兵器。沈括在《梦溪笔谈》中记录了大量科学知识，涉及天文、数学、物理、地质和医学等许多领域，英国学者李约瑟称这部书为“中国科学史上的坐标”。`,
  `-- Monthly revenue per product category, with the share of the month's total.
WITH monthly AS (
    SELECT
        date_trunc('month', o.created_at) AS month,
        p.category,
        SUM(oi.quantity * oi.unit_price) AS revenue
    FROM orders o
    JOIN order_items oi ON oi.order_id = o.id
    JOIN products p ON p.id = oi.product_id
    WHERE o.status = 'paid'
      AND o.created_at >= DATE '2024-01-01'
    GROUP BY 1, 2
)
SELECT
    month,
    category,
    revenue,
    ROUND(100.0 * revenue / SUM(revenue) OVER (PARTITION BY month), 1) AS share_pct,
    revenue - LAG(revenue) OVER (PARTITION BY category ORDER BY month) AS change_from_previous
FROM monthly
ORDER BY month, revenue DESC;

CREATE INDEX IF NOT EXISTS idx_orders_status_created ON orders (status, created_at);

#!/usr/bin/env bash
set -euo pipefail
# Back up a directory into a dated tarball and keep only the last seven.
src="\${1:?usage: backup.sh DIR DEST}"
dest="\${2:?usage: backup.sh DIR DEST}"
mkdir -p "$dest"
stamp=$(date +%Y-%m-%d)
tar -czf "$dest/backup-$stamp.tar.gz" -C "$(dirname "$src")" "$(basename "$src")"
ls -1t "$dest"/backup-*.tar.gz | tail -n +8 | xargs -r rm --
echo "saved $dest/backup-$stamp.tar.gz"`,
  `Why prices rise: a short primer on inflation

Inflation is a sustained increase in the general level of prices, which is the same thing as a fall in what a unit of money can buy. Statistical offices measure it by pricing a fixed basket of goods and services every month, weighted by how much a typical household spends on each, and reporting the change over twelve months. If the basket cost 100 a year ago and costs 103 today, annual inflation is three per cent.

Economists usually describe three sources. Demand-pull inflation happens when spending grows faster than the economy's ability to produce, so sellers can raise prices without losing customers. Cost-push inflation comes from the supply side: when energy, raw materials or wages become more expensive, firms pass some of the increase on. Expectations tie the two together. If workers expect prices to rise by five per cent next year, they ask for raises of at least five per cent, and firms that expect their costs to rise set their prices accordingly, which can make the expectation come true.

Central banks try to keep inflation low and stable, many of them targeting around two per cent. Their main tool is the short-term interest rate. Raising it makes borrowing more expensive, which slows spending on houses, cars and business investment, and over one to two years it pulls inflation down, usually at the cost of slower growth and higher unemployment for a while. Lowering it does the opposite. Because the effects take time, central banks must act on forecasts rather than on today's figures, and they explain their reasoning publicly so that expectations stay anchored.

Why not aim for zero? Measured inflation tends to overstate the true rise in the cost of living, because the quality of goods improves and people switch to cheaper substitutes. A small positive rate also leaves room to cut interest rates in a recession, and it lets real wages adjust without anyone having to accept a cut in their pay packet. Deflation, a falling price level, can be dangerous: if people expect prices to keep falling, they postpone purchases, demand weakens further, and debts become heavier in real terms.`,
  `那年冬天，爷爷在院子里种下了一棵枣树。我问他，这么小的树苗，什么时候才能结枣子？爷爷笑着说，快的话三年，慢的话五年，树跟人一样，急不得。

第一年，枣树只长了几片叶子。夏天的一场暴雨把它吹歪了，爷爷找来一根竹竿，用布条把树干轻轻绑在上面。第二年春天，枣树抽出了好几根新枝，叶子绿油油的，在阳光下闪着光。我每天放学回家，都要先跑到树下看一看，数一数又长了几片叶子。

第三年的初夏，枝头开出了米粒大小的黄绿色小花，不仔细看几乎发现不了，可是院子里却飘满了淡淡的香味，引来了许多蜜蜂。到了秋天，树上真的结出了十几颗枣子，先是青色的，后来一点点变红。爷爷摘下一颗最红的递给我，我咬了一口，又脆又甜。

后来我去外地上大学，又在城里工作，回家的次数越来越少。每次打电话，爷爷总会说：“枣子又红了，给你留着呢。”去年秋天我回到老家，爷爷已经走了，院子里的枣树却长得比屋檐还高，枝头挂满了红红的枣子。我搬来梯子，一颗一颗地摘，摘着摘着，眼泪就流了下来。我终于明白了爷爷当年那句话的意思：好的东西需要时间，也需要耐心。`,
];
