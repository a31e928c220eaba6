/**
 * Training text for the synthetic checkpoint's small byte-level BPE tokenizer.
 *
 * Origin: written for this project by its authors (not taken from any dataset or web page), so it can be
 * shipped under the package's license. It mixes English prose, a little code and numbers, and Chinese, so
 * the learned merges exercise the same pre-tokenizer paths as the real o200k vocabulary: words with a
 * leading space, contractions ('s, 'll), digit groups of at most three, punctuation runs, newlines, and
 * multi-byte UTF-8 characters whose bytes are merged back into whole characters and words.
 *
 * Changing this text changes the synthetic tokenizer (and so every synthetic checkpoint's vocabulary).
 */
export const TOKENIZER_TRAINING_CORPUS = `The river town wakes up slowly. Before the first boat leaves the harbor, the baker has already lit the oven, and the smell of warm bread drifts down the narrow streets toward the water. Fishermen check their nets, count their hooks, and argue about the weather. Nobody agrees, and nobody minds: the weather will do what it wants, and the boats will go out anyway.

By eight o'clock the market is open. There are apples from the hills, onions tied in long braids, and baskets of small green peppers that are hotter than they look. A woman sells tea from a copper pot. She says the tea is from her grandmother's garden, and everyone believes her, because the tea is very good. Children run between the stalls, and the old men at the corner table play the same game of cards they have played for thirty years.

In the afternoon the light changes. The water turns from grey to green to gold, and the hills behind the town look closer than they are. This is the hour when the painters come out. They set up their easels on the bridge and try, one more time, to catch the color of the river. Most of them fail, and they know it, but they come back the next day and try again.

A good teacher does not give answers; she asks better questions. When a student says, "I don't understand," the teacher asks, "Which part do you understand?" Then they start from there. It's slower than reading the answer from a book, but the student remembers it. We learn what we build ourselves, and we forget what we only watched someone else build.

The library closes at nine. The librarian walks between the shelves, turning off the lamps one by one, and she always stops at the same window to look at the river. She has read almost every book in the building, she says, except the ones about fishing. "I'll leave those to the fishermen," she says, "they've got enough opinions already."

Numbers are everywhere in a working town. The ferry costs 3 coins, the bread costs 2, and a room at the inn costs 45 a night, or 280 for a week. The bridge is 120 meters long and was built in 1874. The clock on the tower has been wrong since 1999; it is always 7 minutes fast, and people simply add the difference in their heads. On market day, 1,250 people cross the bridge before noon.

Questions and answers:
Q: What is the capital of the small province in the story?
A: The story never names it. The town is an example, not a place on a map.
Q: How many boats leave the harbor each morning?
A: About 12 in summer and 5 or 6 in winter, when the water is rough.

Here is a tiny program that counts words in a sentence:

function countWords(text) {
  const words = text.split(/\\s+/).filter((word) => word.length > 0);
  return words.length;
}

console.log(countWords("the river town wakes up slowly")); // 6

And the same idea in Python:

def count_words(text):
    return len([w for w in text.split() if w])

print(count_words("the market is open"))  # 4

Weights, tokens, and layers: a language model reads text as tokens, looks up a vector for each token, and passes the vectors through its layers. Each layer mixes information between positions with attention and then transforms every position with a feed-forward network. In a mixture of experts, a router picks a few experts for each token, so only part of the network works on any single token. The model's answer is a probability for every token in its vocabulary; the next token is drawn from those probabilities, and the process repeats.

Don't confuse a model that's small with a model that's simple. A small model can still have every part a large one has: the same embeddings, the same attention, the same experts and routers. It's just fewer of each, and that's exactly what makes it useful for testing.

小镇的早晨来得很慢。第一条船离开码头之前，面包师已经点燃了炉子，温暖的面包香味顺着狭窄的街道飘向河边。渔民们检查渔网，清点鱼钩，一边讨论今天的天气。大家的意见从来都不一样，不过没有人在意，因为天气总会按照自己的方式变化，而船还是要出海。

八点钟，市场开门了。这里有山上的苹果，编成长辫子的洋葱，还有一篮一篮的小青椒，看起来很普通，吃起来却很辣。一位老奶奶用铜壶卖茶，她说茶叶来自她祖母的花园。大家都相信她，因为她的茶真的很好喝。孩子们在摊位之间跑来跑去，街角的老人们还在玩他们已经玩了三十年的纸牌游戏。

好的老师不直接给出答案，而是提出更好的问题。学生说"我不明白"的时候，老师会问："你明白的是哪一部分？"然后他们就从那里开始。这样比直接看书上的答案要慢，但是学生会记得更久。我们学会的是自己动手做过的事情，只看别人做的事情很快就会忘记。

问题：这个故事里的小镇叫什么名字？
答案：故事里没有说。这个小镇只是一个例子，不是地图上的一个地方。
问题：每天早上大约有多少条船离开码头？
答案：夏天大约十二条，冬天水流很急的时候只有五六条。

语言模型把文字看作一个一个的词元，为每个词元查找一个向量，然后让这些向量经过很多层网络。每一层先用注意力在不同位置之间交换信息，再用前馈网络处理每一个位置。在混合专家模型中，路由器为每个词元选择几个专家，所以每个词元只用到网络的一部分。模型的输出是词表中每个词元的概率，下一个词元就从这些概率中抽取，然后重复这个过程。
`;
